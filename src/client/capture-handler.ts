import type { Spool } from '../backend/types';
import { callerError, ClientError } from './errors';
import type { RequestTag } from './request-tag';

/** undici's handler interface as its Client calls it (the "legacy" callbacks). */
export interface LegacyHandler {
  onConnect?(abort: (err?: Error) => void, context?: object): void;
  onError?(err: Error): void;
  onUpgrade?(statusCode: number, headers: Buffer[] | string[] | null, socket: unknown): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onBodySent?(chunkSize: number, totalBytesSent: number): void;
  onRequestSent?(): void;
}

export interface CaptureHandlerOptions {
  /** Bytes drained after the caller let go before the connection is cut. */
  drainLimit: number;
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
}

const PUMP_PIECE = 64 * 1024;

/**
 * Sits between undici and the caller's handler. When the caller aborts after
 * the response head (cancelled body, partial read, dropped stream), the
 * caller is released as undici would release it, but the response keeps
 * flowing so the capture gets it to the end (up to `drainLimit`).
 * A caller that reads slowly or not at all does not hold the connection
 * back either: what it has not taken yet waits in a spool (bounded memory).
 */
export class CaptureHandler implements LegacyHandler {
  private abortRequest: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private headersSeen = false;
  private detached = false;
  /** The caller aborted before the response head: its error is not a failure of ours. */
  private callerAborted = false;
  private finished = false;
  private drained = 0;
  private timer: NodeJS.Timeout | undefined;
  private timedOut: Error | undefined;
  /** Body bytes received but not yet taken by the caller. */
  private overflow: Spool | undefined;
  private overflowRead = 0;
  private callerPaused = false;
  private undiciPaused = false;
  private pumping = false;
  private pendingComplete: { trailers: string[] | null } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: LegacyHandler,
    readonly tag: RequestTag,
    private readonly options: CaptureHandlerOptions,
  ) {
    if (options.requestTimeout > 0) {
      this.timer = setTimeout(() => this.timeout(), options.requestTimeout);
      this.timer.unref();
    }
  }

  private timeout(): void {
    this.timedOut = new ClientError('ERR_REQUEST_TIMEOUT', `the request did not finish within ${this.options.requestTimeout} ms (timeouts.request)`);
    this.tag.truncation = 'time';
    if (this.abortRequest !== undefined) this.abortRequest(this.timedOut);
    else if (this.options.dequeue()) this.onError(this.timedOut);
    // Otherwise undici holds it while connecting: the dial timeout bounds that, and onConnect aborts at once.
  }

  /** The caller's abort: before the head it really aborts; after it, the caller is let go and the body drained. */
  private callerAbort = (err?: Error): void => {
    if (this.detached) return;
    if (this.pendingComplete !== undefined) {
      this.letGo(err ?? new ClientError('ERR_CLIENT_CLOSED', 'request aborted'));
      return;
    }
    if (this.finished) return;
    if (!this.headersSeen) {
      this.callerAborted = true;
      this.abortRequest?.(err);
      return;
    }
    this.letGo(err ?? new ClientError('ERR_CLIENT_CLOSED', 'request aborted'));
  };

  /** Stops talking to the caller; the response keeps being read for the capture. */
  private letGo(reason: Error): void {
    this.detached = true;
    this.releaseOverflow();
    this.pendingComplete = undefined;
    try {
      this.inner.onError?.(reason);
    } finally {
      if (this.undiciPaused) {
        this.undiciPaused = false;
        this.resume?.();
      }
    }
  }

  private releaseOverflow(): void {
    this.overflow?.close();
    this.overflow = undefined;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** The caller asks for more: hand it spooled bytes, then let undici read again. */
  private pump = (): void => {
    this.callerPaused = false;
    if (this.pumping || this.detached) return;
    this.pumping = true;
    try {
      const o = this.overflow;
      while (o !== undefined && !this.callerPaused && !this.detached && this.overflowRead < o.size) {
        const piece = o.read(this.overflowRead, PUMP_PIECE);
        this.overflowRead += piece.length;
        if (this.inner.onData?.(piece) === false) this.callerPaused = true;
      }
      if (this.detached) return;
      this.idleTimer?.refresh();
      const drained = this.overflow === undefined || this.overflowRead >= this.overflow.size;
      if (drained && this.pendingComplete !== undefined && !this.callerPaused) {
        const { trailers } = this.pendingComplete;
        this.pendingComplete = undefined;
        this.releaseOverflow();
        this.inner.onComplete?.(trailers);
      } else if (drained && this.undiciPaused) {
        this.undiciPaused = false;
        this.resume?.();
      }
    } finally {
      this.pumping = false;
    }
  };

  onConnect(abort: (err?: Error) => void, context?: object): void {
    this.abortRequest = abort;
    if (this.timedOut !== undefined) {
      abort(this.timedOut);
      return;
    }
    this.inner.onConnect?.(this.callerAbort, context);
  }

  onResponseStarted(): void {
    if (!this.detached) this.inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode >= 200) {
      this.headersSeen = true;
      this.resume = resume;
    }
    if (this.detached) return true;
    if (statusCode < 200) return this.inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
    if (this.inner.onHeaders?.(statusCode, headers, this.pump, statusText) === false) this.callerPaused = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.detached) {
      this.drained += chunk.length;
      if (this.drained > this.options.drainLimit) {
        this.tag.truncation = 'length';
        this.abortRequest?.(new ClientError('ERR_CLIENT_CLOSED', 'drain limit reached after the caller let go'));
      }
      return true;
    }
    if (this.callerPaused || (this.overflow !== undefined && this.overflowRead < this.overflow.size)) {
      this.overflow ??= this.options.createSpool();
      this.overflow.append(chunk);
      // Past the drain limit a caller that does not read holds the connection (idle-read timeout applies).
      if (this.overflow.size - this.overflowRead > this.options.drainLimit) {
        this.undiciPaused = true;
        return false;
      }
      return true;
    }
    if (this.inner.onData?.(chunk) === false) this.callerPaused = true;
    return true;
  }

  onComplete(trailers: string[] | null): void {
    this.finish();
    if (this.detached) return;
    if (this.overflow !== undefined && this.overflowRead < this.overflow.size) {
      this.pendingComplete = { trailers };
      this.idleTimer = setTimeout(() => {
        this.letGo(new ClientError('ERR_CALLER_IDLE', `the caller took nothing for ${this.options.callerIdleTimeout} ms`));
      }, this.options.callerIdleTimeout);
      this.idleTimer.unref();
      return;
    }
    this.releaseOverflow();
    this.inner.onComplete?.(trailers);
  }

  onError(err: Error): void {
    this.finish();
    this.releaseOverflow();
    this.pendingComplete = undefined;
    const reason = this.timedOut ?? this.tag.captureError ?? callerError(err);
    if (!this.tag.taken) this.tag.reject(reason);
    if (!this.detached && !this.callerAborted) this.options.onFailure?.(reason);
    if (!this.detached) this.inner.onError?.(reason);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: unknown): void {
    this.finish();
    this.inner.onUpgrade?.(statusCode, headers, socket);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.inner.onBodySent?.(chunkSize, totalBytesSent);
  }

  onRequestSent(): void {
    this.inner.onRequestSent?.();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.options.onDone();
  }
}
