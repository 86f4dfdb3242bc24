import type { ConnectionInfo, TruncationReason } from '../capture/exchange';
import type { WrittenRecord } from '../warc/write/writer';
import type { RequestControls } from './request-controls';

/** Where one exchange landed: both records, response first. */
export interface WrittenExchange {
  url: string;
  status: number;
  response: WrittenRecord;
  request: WrittenRecord;
  /** Set when the response record carries WARC-Truncated. */
  truncated?: TruncationReason;
  /** The response was written as a revisit (the dedupe index knew its payload). */
  revisit?: boolean;
}

/**
 * One dispatched request as the capture sees it: its `written` promise (and the
 * one place it is settled), its own body cap and dedupe bucket, and the connection that carried it.
 * Until the capture takes the request (its first byte goes out) a failure of the
 * request settles `written` (`unsent`); from then on only the exchange's outcome
 * does, through the recorder.
 */
export class PendingWrite {
  private state: 'waiting' | 'captured' | 'settled' = 'waiting';
  readonly written: Promise<WrittenExchange>;
  private resolveFn!: (w: WrittenExchange) => void;
  private rejectFn!: (e: Error) => void;
  private carrier: ConnectionInfo | undefined;

  /** This request's body cap (undefined: the client's). */
  readonly maxResponseBytes: number | undefined;
  /** This exchange's dedupe bucket (undefined: none). */
  readonly dedupeBucket: string | undefined;

  /** `controls`: the request's checked controls; the capture and the recorder read their share here. */
  constructor(controls: Pick<RequestControls, 'maxResponseBytes' | 'dedupeBucket'> = {}) {
    this.maxResponseBytes = controls.maxResponseBytes;
    this.dedupeBucket = controls.dedupeBucket;
    this.written = new Promise<WrittenExchange>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // A caller may never look at `written`; a rejection must not crash the process.
    this.written.catch(() => undefined);
  }

  /** The capture took the request on `connection`: its outcome settles `written` now. */
  captured(connection: ConnectionInfo): void {
    if (this.state !== 'waiting') return;
    this.state = 'captured';
    this.carrier = connection;
  }

  /** The connection the request went out on (undefined until its first byte did). */
  get connection(): ConnectionInfo | undefined {
    return this.carrier;
  }

  /** Neither taken by a capture nor settled yet. */
  get waiting(): boolean {
    return this.state === 'waiting';
  }

  /** The request failed before any of it went out: nothing will be written. */
  unsent(reason: Error): void {
    if (this.state === 'waiting') this.reject(reason);
  }

  /** Both records are on disk (the recorder's call, from the outcome). */
  resolve(w: WrittenExchange): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.resolveFn(w);
  }

  /** Nothing was written, for `reason` (the recorder's call, from the outcome; or unsent). */
  reject(reason: Error): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.rejectFn(reason);
  }
}
