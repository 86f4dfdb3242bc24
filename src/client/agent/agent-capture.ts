import { errorMonitor } from 'node:events';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CaptureConnection } from '../../capture/connection';
import type { TruncationReason } from '../../capture/exchange';
import { openCapturedConnection, type CaptureCore } from '../captured-connection';
import { callerError, ClientError, shutDownError } from '../errors';
import { PendingWrite, type WrittenExchange } from '../pending-write';
import { checkRequestControls, connectionControls, connectionKey, type RequestControls } from '../request-controls';
import type { AgentOptions } from './agent-options';
import { PoolPlace } from './pool-place';

/** One request node handed to the agent: whether its caller dropped it shows on these. */
interface AgentRequest {
  req: ClientRequest;
  res: IncomingMessage | undefined;
}

/** Which request node runs on one of the agent's sockets. */
interface SocketSlot {
  /** The request whose head goes out next (set when node gives it the socket, taken by the capture). */
  next: PendingWrite | undefined;
  current: AgentRequest | undefined;
}

/** What the client lends its agents: the capture core, the default User-Agent and whether it still takes requests. */
export interface AgentHost {
  core: CaptureCore;
  userAgent: string | undefined;
  /** No new requests (close() or abort() began). */
  readonly closed: boolean;
  /** abort() began: not even the requests taken before may open connections. */
  readonly aborted: boolean;
  /** The request's `written`, to wait for at close. */
  track(written: Promise<WrittenExchange>): void;
  /** A socket of an agent, to close at the end. */
  opened(socket: Socket): void;
}

/** An abort by the caller cuts the record `length`; its own timeout (got's, axios' clarified one) `time`. */
function abortTruncation(error: Error | undefined): TruncationReason {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ETIMEDOUT' || code === 'ERR_REQUEST_TIMEOUT' ? 'time' : 'length';
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The capture side of one http(s) agent, shared by the http and https
 * subclasses: opens its sockets through the client's dialer with a capture
 * attached, tells each capture which request goes out on it (node runs one
 * request per socket at a time and gives it the socket, with the 'socket'
 * event, before writing its head), and keys the pool on everything that
 * changes a connection.
 */
export class AgentCapture {
  private readonly slots = new WeakMap<Duplex, SocketSlot>();
  private readonly requests = new WeakMap<ClientRequest, PendingWrite>();

  constructor(
    private readonly host: AgentHost,
    private readonly protocol: 'http:' | 'https:',
    private readonly controls: RequestControls,
    private readonly onWritten: AgentOptions['onWritten'],
  ) {}

  /**
   * The controls of one request: the agent's, with the request's own node options on top
   * (`rejectUnauthorized` sets tls.verify, `localAddress` the source address).
   */
  private controlsFor(options: RequestOptions): RequestControls {
    const own = checkRequestControls(
      {
        ...(typeof options.rejectUnauthorized === 'boolean' ? { tls: { verify: options.rejectUnauthorized } } : {}),
        ...(options.localAddress != null ? { localAddress: options.localAddress } : {}),
      },
      'request options',
    );
    return { ...this.controls, ...own };
  }

  private origin(options: RequestOptions): { hostname: string; port: number } {
    const hostname = bracketed(options.hostname ?? options.host ?? 'localhost');
    const port = Number(options.port) || (this.protocol === 'https:' ? 443 : 80);
    return { hostname, port };
  }

  /** The pool key: requests whose connections would differ never share one. */
  name(options: RequestOptions): string {
    const { hostname, port } = this.origin(options);
    let controls: RequestControls;
    try {
      controls = this.controlsFor(options);
    } catch {
      // A bad option fails in connect(), with its message; any key will do until then.
      controls = this.controls;
    }
    return connectionKey(`${this.protocol}//${hostname}:${port}`, connectionControls(controls));
  }

  /**
   * node hands the agent a request: give it a PendingWrite and follow it onto its
   * socket. False when the client is closed: the request then fails with ERR_CLIENT_CLOSED.
   */
  adopt(req: ClientRequest): boolean {
    const pending = new PendingWrite(this.controls);
    this.requests.set(req, pending);
    this.onWritten?.(pending.written, req);
    if (this.host.closed) {
      const err = new ClientError('ERR_CLIENT_CLOSED', 'request through an agent of a closed client');
      pending.unsent(err);
      // How node's own agent fails a request it has no socket for (destroy() would wait for a socket).
      (req as unknown as { onSocket(socket: undefined, err: Error): void }).onSocket(undefined, err);
      return false;
    }
    this.host.track(pending.written);
    this.host.core.observer.requestStarted();
    const ua = this.host.userAgent;
    if (ua !== undefined && !req.headersSent && !req.hasHeader('user-agent')) req.setHeader('user-agent', ua);
    const request: AgentRequest = { req, res: undefined };
    let failure: Error | undefined;
    req.on(errorMonitor, (err: Error) => {
      failure ??= err;
      // A caller that aborts destroyed the request first (not an error of the client); a failed dial destroys it too, and is counted in connect().
      if (!req.destroyed) this.host.core.observer.requestFailed(callerError(err));
    });
    req.once('socket', (socket: Socket) => {
      const slot = this.slots.get(socket);
      if (slot === undefined) return;
      slot.next = pending;
      slot.current = request;
    });
    req.once('response', (res: IncomingMessage) => (request.res = res));
    // Closed before any byte went out (a failed dial, an abort while queued): nothing will be written.
    req.once('close', () => {
      // Most requests were taken by their capture long before: build the error only when it is needed.
      if (pending.waiting) pending.unsent(failure !== undefined ? callerError(failure) : new ClientError('ERR_NOT_WRITTEN', 'the request closed before any of it was sent'));
    });
    return true;
  }

  /** Where the exchange of `req` (a request of this agent) landed, as fetch()'s `written`. */
  written(req: ClientRequest): Promise<WrittenExchange> {
    const pending = this.requests.get(req);
    if (pending !== undefined) return pending.written;
    return Promise.reject(new ClientError('ERR_NOT_WRITTEN', 'this request did not go through this agent'));
  }

  /**
   * Opens a captured connection for node's `agent` (its `createConnection` with a callback).
   * node counts a socket against maxSockets only once it exists, so while this one is
   * being dialed a placeholder holds its place (see PoolPlace). Only requests adopt() took
   * ask for one, so a closing client still connects them (close() waits for them); an
   * aborted one does not.
   */
  connect(agent: Agent, options: RequestOptions, cb: (err: Error | null, socket?: Duplex) => void): void {
    const place = new PoolPlace(agent, agent.getName(options));
    /** Fails the request this dial serves; false when that request is gone (PoolPlace.fail). */
    const fail = (err: Error): boolean => {
      const report = place.fail(options);
      if (report) cb(err);
      return report;
    };
    if (this.host.aborted) return void fail(shutDownError());
    let controls: RequestControls;
    try {
      controls = this.controlsFor(options);
    } catch (err) {
      return void fail(err as Error);
    }
    const { hostname, port } = this.origin(options);
    const slot: SocketSlot = { next: undefined, current: undefined };
    openCapturedConnection(this.host.core, {
      target: { protocol: this.protocol, hostname, port },
      route: connectionControls(controls),
      takeCaller: () => {
        const pending = slot.next;
        slot.next = undefined;
        return pending;
      },
    }).then(
      ({ socket, capture }) => {
        if (this.host.aborted) {
          socket.destroy();
          return void fail(shutDownError());
        }
        place.leave();
        this.slots.set(socket, slot);
        this.host.opened(socket);
        cutOnAbort(socket, slot, capture);
        // What net.createConnection does with these options when node's agent dials itself.
        const keepAlive = options as { keepAlive?: boolean; keepAliveInitialDelay?: number };
        if (keepAlive.keepAlive === true) socket.setKeepAlive(true, keepAlive.keepAliveInitialDelay);
        if (options.timeout !== undefined) socket.setTimeout(options.timeout);
        cb(null, socket);
      },
      (err: Error) => {
        const failure = callerError(err);
        if (fail(failure)) this.host.core.observer.requestFailed(failure);
      },
    );
  }
}

/**
 * node destroys the socket when its caller destroys the request or the response
 * (axios' abort, got's cancel, node-fetch's AbortSignal): the exchange is then
 * recorded with what arrived as `WARC-Truncated: length`, not as a disconnect.
 * The capture must hear it before it sees the close, so at the destroy call.
 * A destroy while the socket's idle timeout is being handled (`req.setTimeout`,
 * axios' `timeout`, which follow-redirects turns into a bare socket.destroy) is
 * the caller's timeout: `time`. A socket already destroyed failed by itself (a
 * reset): callers that destroy their request on that error (got, axios,
 * node-fetch) must not turn the disconnect into a cut.
 */
function cutOnAbort(socket: Socket, slot: SocketSlot, capture: CaptureConnection<PendingWrite>): void {
  let timingOut = false;
  socket.prependListener('timeout', () => {
    timingOut = true;
    // Whatever the timeout's listeners do, they do now: later destroys have other causes.
    queueMicrotask(() => (timingOut = false));
  });
  const destroy = socket.destroy;
  socket.destroy = function destroyAfterAbort(this: Socket, error?: Error): Socket {
    const current = slot.current;
    if (!this.destroyed && current !== undefined) {
      if (timingOut) capture.cut('time');
      else if (current.req.destroyed || current.res?.destroyed === true) capture.cut(abortTruncation(error));
    }
    return destroy.call(this, error);
  };
}
