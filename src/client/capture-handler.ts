import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Spool } from '../backend/types';
import type { TruncationReason } from '../capture/exchange';
import type { ControllerHandler, DispatchController } from './dispatch-handler';
import { callerError, ClientError } from './errors';
import type { PendingWrite } from './pending-write';
import type { AfterAbort } from './request-controls';

export interface CaptureHandlerOptions {
  /** Bytes drained after the caller let go before the connection is cut. */
  drainLimit: number;
  /** Body bytes waiting for a caller that does not take them before undici is paused (backpressure). */
  backlogLimit: number;
  /** The caller's abort after the response head: close the connection now ('stop'), or drain for the capture ('finish'). */
  afterAbort: AfterAbort;
  /** Whole-request timeout in ms; 0 for none. */
  requestTimeout: number;
  /** Called once when the request is over (complete or failed). */
  onDone(): void;
  /** Removes the request from the dispatcher's queue if it is still waiting for a connection; true when it was. */
  dequeue(): boolean;
  /** Spool for body bytes the caller has not taken yet (RAM, then a temp file). */
  createSpool(): Spool;
  /** After the response ended, a caller that takes nothing for this long is let go (ms). */
  callerIdleTimeout: number;
  /** The request failed for its caller for a reason other than the caller's own abort (for metrics). */
  onFailure?(reason: Error): void;
  /** Tells the capture why we are about to cut the connection under this request (before undici destroys it). */
  cut(reason: TruncationReason): void;
  /** Stops the dial undici is waiting on for this request, if any (undici then fails the request). */
  stopConnecting(reason: Error): void;
}

const PUMP_PIECE = 64 * 1024;

/** Body bytes received but not yet taken by the caller; the handler owns the spool and closes it. */
interface Backlog {
  spool: Spool | undefined;
  read: number;
}

/**
 * Where one request is, with what that stage needs:
 * - `waiting`: queued for a lane, or undici is connecting;
 * - `sending`: undici started it; no final response head yet;
 * - `streaming`: the caller has the head and takes the body (what it has not taken yet waits in `backlog`);
 * - `ending`: undici is done, the caller still takes the backlog (then `trailers` go to it);
 * - `draining`: the caller was let go; the body is read on for the capture;
 * - `done`.
 */
type HandlerState =
  | { name: 'waiting' }
  | { name: 'sending'; undici: DispatchController }
  | { name: 'streaming'; undici: DispatchController; backlog: Backlog; undiciPaused: boolean; bodiless: boolean }
  | { name: 'ending'; backlog: Backlog; trailers: IncomingHttpHeaders; idleTimer: NodeJS.Timeout }
  | { name: 'draining'; undici: DispatchController; drained: number }
  | { name: 'done' };

/** What the caller holds: its abort, pause and resume act on the handler, not directly on undici. */
class CallerController implements DispatchController {
  private pausedNow = false;
  private abortReason: Error | null = null;
  rawHeaders: DispatchController['rawHeaders'] = null;
  rawTrailers: DispatchController['rawTrailers'] = null;

  constructor(
    private readonly onAbort: (reason: Error) => void,
    private readonly onResume: () => void,
  ) {}

  get aborted(): boolean {
    return this.abortReason !== null;
  }
  get reason(): Error | null {
    return this.abortReason;
  }
  get paused(): boolean {
    return this.pausedNow;
  }
  pause(): void {
    this.pausedNow = true;
  }
  resume(): void {
    this.pausedNow = false;
    this.onResume();
  }
  abort(reason: Error): void {
    if (this.abortReason !== null) return;
    this.abortReason = reason ?? new ClientError('ERR_CLIENT_CLOSED', 'request aborted');
    this.onAbort(this.abortReason);
  }
}

/**
 * Sits between undici (controller-style handler calls) and the caller's
 * handler. When the caller aborts after the response head (cancelled body,
 * partial read, dropped stream), the caller is released as undici would
 * release it; then with `afterAbort: 'stop'` the connection is closed at once
 * (the capture keeps what arrived, `WARC-Truncated: length`), with 'finish'
 * the response keeps flowing so the capture gets it to the end (up to
 * `drainLimit`). A caller that reads slowly or not at all does not
 * hold the connection back either: what it has not taken yet waits in a spool
 * (bounded memory).
 */
export class CaptureHandler implements ControllerHandler {
  private state: HandlerState = { name: 'waiting' };
  private readonly caller: CallerController;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Why the request was aborted before its response head: our timeout, or the caller (not a
   * failure of ours); `error`, when set, is what the request fails with.
   */
  private abortedBy: { by: 'timeout'; error: Error } | { by: 'caller'; error?: Error } | undefined;
  /** Re-entrancy guard: the caller may resume from inside the data we hand it. */
  private pumping = false;
  private released = false;

  constructor(
    private readonly inner: ControllerHandler,
    private readonly pending: PendingWrite,
    private readonly options: CaptureHandlerOptions,
  ) {
    this.caller = new CallerController(
      (reason) => this.callerAbort(reason),
      () => this.pump(),
    );
    if (options.requestTimeout > 0) {
      this.timer = setTimeout(() => this.timeout(), options.requestTimeout);
      this.timer.unref();
    }
  }

  private timeout(): void {
    const error = new ClientError('ERR_REQUEST_TIMEOUT', `the request did not finish within ${this.options.requestTimeout} ms (timeouts.request)`);
    this.abortedBy = { by: 'timeout', error };
    const s = this.state;
    if (s.name === 'sending' || s.name === 'streaming' || s.name === 'draining') {
      this.options.cut('time');
      s.undici.abort(error);
    }
    else if (s.name === 'waiting') this.stopWaiting(error);
  }

  /**
   * The caller's signal fired. undici tells a handler of it only once connected, so a request
   * still queued or connecting stops waiting here, not when the dial times out.
   */
  abortWaiting(reason: Error): void {
    if (this.state.name !== 'waiting') return;
    this.abortedBy ??= { by: 'caller', error: reason };
    this.stopWaiting(reason);
  }

  /**
   * Out of the dispatcher's queue, or the dial under it stopped (undici then fails the request and
   * onResponseError reports `abortedBy`). On a lane already connected, onRequestStart aborts at once.
   */
  private stopWaiting(error: Error): void {
    if (this.options.dequeue()) this.onResponseError(null, error);
    else this.options.stopConnecting(error);
  }

  /** The caller's abort: before the head it really aborts; after it, the caller is let go and the body stopped or drained. */
  private callerAbort(reason: Error): void {
    const s = this.state;
    if (s.name === 'streaming' || s.name === 'ending') {
      this.letGo(reason);
      if (this.options.afterAbort === 'stop') this.stop(reason);
    } else if (s.name === 'sending') {
      this.abortedBy ??= { by: 'caller' };
      s.undici.abort(reason);
    }
  }

  /** Closes the connection under a body being drained: what arrived is recorded, cut for `length` (the caller wanted no more). */
  private stop(reason: Error): void {
    const s = this.state;
    if (s.name !== 'draining') return;
    this.options.cut('length');
    s.undici.abort(reason);
  }

  /** Stops talking to the caller; the response keeps being read for the capture. */
  private letGo(reason: Error): void {
    const s = this.state;
    if (s.name !== 'streaming' && s.name !== 'ending') return;
    releaseBacklog(s.backlog);
    if (s.name === 'ending') clearTimeout(s.idleTimer);
    this.state = s.name === 'streaming' ? { name: 'draining', undici: s.undici, drained: 0 } : { name: 'done' };
    try {
      this.inner.onResponseError?.(this.caller, reason);
    } finally {
      if (s.name === 'streaming' && s.undiciPaused) s.undici.resume();
    }
  }

  /** The caller asks for more: hand it spooled bytes, then let undici read again. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const s = this.state;
      if (s.name !== 'streaming' && s.name !== 'ending') return;
      const backlog = s.backlog;
      while (backlog.spool !== undefined && !this.caller.paused && this.state === s && backlog.read < backlog.spool.size) {
        const piece = backlog.spool.read(backlog.read, PUMP_PIECE);
        backlog.read += piece.length;
        this.inner.onResponseData?.(this.caller, piece);
      }
      if (this.state !== s) return;
      const drained = backlog.spool === undefined || backlog.read >= backlog.spool.size;
      if (s.name === 'ending') {
        s.idleTimer.refresh();
        if (drained && !this.caller.paused) {
          clearTimeout(s.idleTimer);
          releaseBacklog(backlog);
          const trailers = s.trailers;
          this.state = { name: 'done' };
          this.endCaller(trailers);
        }
      } else if (drained && s.undiciPaused) {
        s.undiciPaused = false;
        s.undici.resume();
      }
    } finally {
      this.pumping = false;
    }
  }

  onRequestStart(controller: DispatchController, context: unknown): void {
    if (this.abortedBy?.by === 'timeout') {
      controller.abort(this.abortedBy.error);
      return;
    }
    this.state = { name: 'sending', undici: controller };
    this.inner.onRequestStart?.(this.caller, context);
  }

  onResponseStarted(): void {
    if (this.state.name === 'sending' || this.state.name === 'streaming') this.inner.onResponseStarted?.();
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    const s = this.state;
    if (s.name !== 'sending') return;
    this.caller.rawHeaders = controller.rawHeaders ?? null;
    if (statusCode >= 200) {
      const bodiless = statusCode === 204 || statusCode === 304;
      this.state = { name: 'streaming', undici: s.undici, backlog: { spool: undefined, read: 0 }, undiciPaused: false, bodiless };
    }
    try {
      // A pause here (also on a 1xx head) makes the body that follows wait in the backlog.
      this.inner.onResponseStart?.(this.caller, statusCode, headers, statusMessage);
    } catch (err) {
      // The caller refused the response (undici's upgrade() does for anything but a 101): undici ends
      // the request with what it threw, and the caller gets that back as is, as undici would hand it.
      this.abortedBy ??= { by: 'caller', error: err instanceof Error ? err : new Error(String(err)) };
      throw err;
    }
  }

  onResponseData(_controller: DispatchController, chunk: Buffer): void {
    const s = this.state;
    if (s.name === 'draining') {
      s.drained += chunk.length;
      if (s.drained > this.options.drainLimit) {
        this.options.cut('length');
        s.undici.abort(new ClientError('ERR_CLIENT_CLOSED', 'drain limit reached after the caller let go'));
      }
      return;
    }
    if (s.name !== 'streaming') return;
    const backlog = s.backlog;
    if (this.caller.paused || (backlog.spool !== undefined && backlog.read < backlog.spool.size)) {
      backlog.spool ??= this.options.createSpool();
      backlog.spool.append(chunk);
      // Past the backlog limit a caller that does not read holds the connection (idle-read timeout applies).
      if (backlog.spool.size - backlog.read > this.options.backlogLimit && !s.undiciPaused) {
        s.undiciPaused = true;
        s.undici.pause();
      }
      return;
    }
    this.inner.onResponseData?.(this.caller, chunk);
  }

  onResponseEnd(controller: DispatchController, trailers: IncomingHttpHeaders): void {
    this.release();
    const s = this.state;
    if (s.name !== 'streaming') {
      this.state = { name: 'done' };
      return;
    }
    this.caller.rawTrailers = controller.rawTrailers ?? null;
    const backlog = s.backlog;
    if (backlog.spool !== undefined && backlog.read < backlog.spool.size) {
      const idleTimer = setTimeout(() => {
        this.letGo(new ClientError('ERR_CALLER_IDLE', `the caller took nothing for ${this.options.callerIdleTimeout} ms`));
      }, this.options.callerIdleTimeout);
      idleTimer.unref();
      this.state = { name: 'ending', backlog, trailers, idleTimer };
      return;
    }
    releaseBacklog(backlog);
    this.state = { name: 'done' };
    this.endCaller(trailers);
  }

  /**
   * The caller's end of the response. A caller that throws from onResponseEnd gets
   * onResponseError with what it threw, as undici treats its handlers (undici's retry
   * interceptor ends a response it wants to retry that way, and retries on the error).
   */
  private endCaller(trailers: IncomingHttpHeaders): void {
    try {
      this.inner.onResponseEnd?.(this.caller, trailers);
    } catch (err) {
      this.inner.onResponseError?.(this.caller, err instanceof Error ? err : new Error(String(err)));
    }
  }

  onResponseError(_controller: DispatchController | null, err: Error): void {
    const current = this.state;
    // undici holds a 204 or 304 to its Content-Length (on a 304 the representation's size, as RFC 9110
    // allows) and fails it for the body it cannot have; the response is whole, the capture has it so.
    if (current.name === 'streaming' && current.bodiless && (err as { code?: unknown }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      this.onResponseEnd(current.undici, {});
      return;
    }
    // undici 8 fails an aborted request before its connection is made and leaves the dial
    // running: stop it (a no-op when no dial runs, as always with undici 7 here).
    if (this.state.name === 'waiting') this.options.stopConnecting(this.abortedBy?.error ?? err);
    this.release();
    const s = this.state;
    if (s.name === 'done') return;
    if (s.name === 'streaming' || s.name === 'ending') releaseBacklog(s.backlog);
    if (s.name === 'ending') clearTimeout(s.idleTimer);
    this.state = { name: 'done' };
    const reason = this.abortedBy?.error ?? callerError(err);
    this.pending.unsent(reason);
    if (s.name === 'draining') return;
    if (this.abortedBy?.by !== 'caller') this.options.onFailure?.(reason);
    this.inner.onResponseError?.(this.caller, reason);
  }

  onRequestUpgrade(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.release();
    this.state = { name: 'done' };
    this.caller.rawHeaders = controller.rawHeaders ?? null;
    this.inner.onRequestUpgrade?.(this.caller, statusCode, headers, socket);
  }

  onBodySent(...args: unknown[]): void {
    this.inner.onBodySent?.(...args);
  }

  onRequestSent(): void {
    this.inner.onRequestSent?.();
  }

  /** The request is over for undici: the lane is free, the timeout moot. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.options.onDone();
  }
}

function releaseBacklog(backlog: Backlog): void {
  backlog.spool?.close();
  backlog.spool = undefined;
}
