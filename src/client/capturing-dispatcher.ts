import type { Socket } from 'node:net';
import type { Client, Dispatcher, buildConnector } from 'undici';
import type { CaptureConnection } from '../capture/connection';
import { DEFAULT_MAX_HEAD_BYTES } from '../http/framer';
import { openCapturedConnection, type CaptureCore } from './captured-connection';
import { CaptureHandler } from './capture-handler';
import { withoutHandshakeHeaders } from './dispatch-headers';
import { controllerHandler, type ControllerHandler } from './dispatch-handler';
import { checkDispatchOptions } from './dispatch-options';
import { ClientError, shutDownError } from './errors';
import { PendingWrite } from './pending-write';
import { connectionControls, connectionKey, type AfterAbort, type ConnectionControls, type RequestControls } from './request-controls';
import { undici } from './undici';
import { withUserAgent } from './user-agent';

export interface CapturingDispatcherOptions extends CaptureCore {
  /** What a caller's abort after the response head does to the capture, unless its request says otherwise. */
  afterAbort: AfterAbort;
  connectionsPerOrigin: number;
  keepAliveTimeout: number;
  /** Added to requests that carry no User-Agent; undefined sends none. */
  userAgent: string | undefined;
}

/**
 * One undici Client (one connection at a time, no pipelining), the capture of
 * its current connection, and the PendingWrite of the request it runs: the
 * next request written on its socket is that one.
 */
interface Lane {
  client: Client;
  busy: boolean;
  next: PendingWrite | undefined;
  capture: CaptureConnection<PendingWrite> | undefined;
  /** Stops the dial in progress for the lane's request (undefined when not dialing). */
  dialing: AbortController | undefined;
  /** Settles once undici has heard how the lane's last dial ended. */
  dialed: Promise<void> | undefined;
  /** Whether the lane's Client holds a connection now. */
  connected: boolean;
}

interface OriginPool {
  /** Its key in the pools map. */
  key: string;
  lanes: Lane[];
  waiting: Array<(lane: Lane) => void>;
  /** close() waiting for `waiting` to empty: requests queued before it still run. */
  emptied: Array<() => void>;
}

type ConnectOptions = { hostname: string; protocol: string; port: string | number; servername?: string | null };

/** One dispatch as the capture runs it. */
export interface TrackedRequest {
  /** Settles where the exchange was written; carries the request's body cap. */
  pending: PendingWrite;
  /** Checked controls of the request (checkRequestControls). */
  controls: RequestControls;
  /** Overrides the client's timeouts.request (ms, 0 for none). */
  requestTimeout?: number;
  /** The caller's abort signal: undici passes it on only once connected; this stops a queued or dialing request at once. */
  signal?: AbortSignal;
}

/**
 * An undici Dispatcher whose connections are captured. It keeps its own small
 * pool per origin so that it always knows which connection carries which
 * request, and so which exchange settles which caller's `written`.
 */
export class CapturingDispatcher extends undici.Dispatcher {
  private readonly pools = new Map<string, OriginPool>();
  private closed = false;

  constructor(private readonly options: CapturingDispatcherOptions) {
    super();
  }

  /** Takes the `warcwire` option (WarcDispatchOptions) off `opts`; undici's Client never sees it. */
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const { warcwire, ...rest } = opts as Dispatcher.DispatchOptions & { warcwire?: unknown };
    const { onWritten, ...controls } = checkDispatchOptions(warcwire, 'the warcwire dispatch option');
    const pending = new PendingWrite(controls);
    onWritten?.(pending.written);
    try {
      return this.dispatchTracked(rest, handler, { pending, controls });
    } catch (err) {
      // Refused before it started (a handler undici cannot drive): nothing will be written.
      pending.unsent(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /**
   * Dispatches with a PendingWrite the caller keeps, to learn where the exchange was
   * written. Connections are pooled per origin and connection controls (proxy, proxy
   * type, TLS verify, source address), so a kept-alive connection is only reused by
   * requests that would have opened the same one.
   */
  dispatchTracked(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, request: TrackedRequest): boolean {
    const { pending, controls, signal } = request;
    // Either handler style, as undici 7 and 8 callers hand it; the Clients below get the controller style only.
    const caller: ControllerHandler = controllerHandler(handler, Boolean(opts.upgrade) || opts.method === 'CONNECT');
    if (this.closed) {
      const err = new ClientError('ERR_CLIENT_CLOSED', 'the client is closed');
      pending.unsent(err);
      queueMicrotask(() => caller.onResponseError?.(null, err));
      return false;
    }
    this.options.observer.requestStarted();
    // undici 7's top-level request() leaves `dispatcher` (this one) in opts; undici 8's Client refuses it.
    const { dispatcher: _self, ...rest } = opts as Dispatcher.DispatchOptions & { dispatcher?: unknown };
    const ua = this.options.userAgent;
    opts = ua === undefined ? rest : { ...rest, headers: withUserAgent(rest.headers, ua) };
    if (typeof opts.upgrade === 'string') opts = { ...opts, headers: withoutHandshakeHeaders(opts.headers, opts.upgrade) };
    const origin = typeof opts.origin === 'string' ? new URL(opts.origin).origin : opts.origin!.origin;
    const connection = connectionControls(controls);
    const pool = this.poolFor(connectionKey(origin, connection));
    let lane: Lane | undefined;
    // The signal's reason as it is, as undici passes it (an Error of another realm fails instanceof).
    const onSignal = (): void => wrapped.abortWaiting((signal?.reason ?? new DOMException('This operation was aborted', 'AbortError')) as Error);
    const wrapped = new CaptureHandler(caller, pending, {
      drainLimit: pending.maxResponseBytes ?? this.options.maxResponseBytes,
      backlogLimit: controls.maxUnreadBytes ?? pending.maxResponseBytes ?? this.options.maxResponseBytes,
      afterAbort: controls.afterAbort ?? this.options.afterAbort,
      requestTimeout: request.requestTimeout ?? this.options.timeouts.request,
      onDone: () => {
        signal?.removeEventListener('abort', onSignal);
        const done = lane;
        if (done === undefined) return;
        // A dial being stopped under this request: undici fails what is queued on the lane when it
        // hears, so the next request gets the lane only after that (undici then dials afresh).
        if (done.dialing !== undefined && done.dialed !== undefined) void done.dialed.then(() => this.release(pool, done));
        else this.release(pool, done);
      },
      dequeue: () => {
        const i = pool.waiting.indexOf(run);
        if (i >= 0) pool.waiting.splice(i, 1);
        notifyIfEmptied(pool);
        return i >= 0;
      },
      createSpool: () => this.options.backend.createSpool(this.options.spool),
      callerIdleTimeout: this.options.timeouts.idleRead,
      onFailure: (reason) => this.options.observer.requestFailed(reason),
      // The lane's connection carries this request while the handler runs (one request per connection at a time).
      cut: (reason) => lane?.capture?.cut(reason),
      stopConnecting: (reason) => lane?.dialing?.abort(reason),
    });
    const run = (l: Lane): void => {
      lane = l;
      l.busy = true;
      l.next = pending;
      l.client.dispatch(opts, wrapped as Dispatcher.DispatchHandler);
    };
    const idle = pool.lanes.find((l) => !l.busy);
    if (idle !== undefined) run(idle);
    else if (pool.lanes.length < this.options.connectionsPerOrigin) run(this.newLane(origin, pool, connection));
    else pool.waiting.push(run);
    if (signal?.aborted) onSignal();
    else signal?.addEventListener('abort', onSignal, { once: true });
    return true;
  }

  private poolFor(key: string): OriginPool {
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = { key, lanes: [], waiting: [], emptied: [] };
      this.pools.set(key, pool);
    }
    return pool;
  }

  private release(pool: OriginPool, lane: Lane): void {
    const next = pool.waiting.shift();
    if (next === undefined) {
      lane.busy = false;
      lane.next = undefined;
      notifyIfEmptied(pool);
      this.retireIfIdle(pool, lane);
      return;
    }
    // Called from inside undici's callbacks, e.g. while its Client fails every queued request
    // after a connection error and then asserts its queue is empty: a dispatch there re-enters
    // the Client. The lane (still busy) passes to the next request once that call has returned
    // (queued before close() hears the queue emptied, so it runs before the lanes are closed).
    queueMicrotask(() => next(lane));
    notifyIfEmptied(pool);
  }

  /**
   * Drops a lane that has neither a request nor a connection, and its pool once it has no lane
   * left: a crawler meets any number of origins, and each pool and Client would else stay for good.
   */
  private retireIfIdle(pool: OriginPool, lane: Lane): void {
    if (lane.busy || lane.connected) return;
    const i = pool.lanes.indexOf(lane);
    if (i < 0) return;
    pool.lanes.splice(i, 1);
    if (!lane.client.destroyed) lane.client.close().catch(() => undefined);
    if (pool.lanes.length === 0 && pool.waiting.length === 0 && this.pools.get(pool.key) === pool) this.pools.delete(pool.key);
  }

  private newLane(origin: string, pool: OriginPool, connection: ConnectionControls): Lane {
    const lane: Lane = { client: undefined as unknown as Client, busy: false, next: undefined, capture: undefined, dialing: undefined, dialed: undefined, connected: false };
    const t = this.options.timeouts;
    lane.client = new undici.Client(origin, {
      pipelining: 1,
      // The capture frames HTTP/1.1 (undici 8 would take HTTP/2 when TLS offers it).
      allowH2: false,
      keepAliveTimeout: this.options.keepAliveTimeout,
      headersTimeout: t.responseHeaders,
      bodyTimeout: t.idleRead,
      maxHeaderSize: DEFAULT_MAX_HEAD_BYTES,
      connect: ((co: ConnectOptions, cb: (err: Error | null, socket: Socket | null) => void) => {
        lane.dialed = this.openConnection(lane, co, connection).then(
          (socket) => cb(null, socket),
          (err: Error) => cb(err, null),
        );
      }) as unknown as buildConnector.connector,
    });
    lane.client.on('connect', () => (lane.connected = true));
    lane.client.on('disconnect', () => {
      lane.connected = false;
      this.retireIfIdle(pool, lane);
    });
    pool.lanes.push(lane);
    return lane;
  }

  private async openConnection(lane: Lane, co: ConnectOptions, route: ConnectionControls): Promise<Socket> {
    const protocol = co.protocol === 'https:' ? 'https:' : 'http:';
    const dialing = new AbortController();
    lane.dialing = dialing;
    const { socket, capture } = await openCapturedConnection(this.options, {
      signal: dialing.signal,
      target: { protocol, hostname: co.hostname, port: Number(co.port) || (protocol === 'https:' ? 443 : 80) },
      route,
      // One request per connection at a time: the lane's next request is the one going out.
      takeCaller: () => {
        const pending = lane.next;
        lane.next = undefined;
        return pending;
      },
    }).finally(() => {
      lane.dialing = undefined;
    });
    lane.capture = capture;
    return socket;
  }

  override async close(): Promise<void> {
    this.closed = true;
    // Requests queued before close() still run: a lane closes once its pool has handed out its queue
    // (undici's close() waits for the request a lane runs, but fails those dispatched after it).
    // A lane destroyed by destroy() has nothing left to wait for (undici rejects close() on it).
    await Promise.all(
      [...this.pools.values()].map(async (p) => {
        if (p.waiting.length > 0) await new Promise<void>((resolve) => p.emptied.push(resolve));
        await Promise.all(p.lanes.map((l) => (l.client.destroyed ? undefined : l.client.close())));
      }),
    );
  }

  override async destroy(): Promise<void> {
    this.closed = true;
    // undici settles a pending close() of a lane with this error; the requests get it too.
    const err = shutDownError();
    await Promise.all([...this.pools.values()].flatMap((p) => p.lanes.map((l) => (l.client.destroyed ? undefined : l.client.destroy(err).catch(() => undefined)))));
  }
}

function notifyIfEmptied(pool: OriginPool): void {
  if (pool.waiting.length === 0) for (const resolve of pool.emptied.splice(0)) resolve();
}
