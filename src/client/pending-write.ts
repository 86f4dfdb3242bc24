import type { TruncationReason } from '../capture/exchange';
import type { WrittenRecord } from '../warc/write/writer';

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
 * The `written` promise of one dispatched request, and the one place it is
 * settled. Until the capture takes the request (its first byte goes out) a
 * failure of the request settles it (`unsent`); from then on only the
 * exchange's outcome does, through the recorder.
 */
export class PendingWrite {
  private state: 'waiting' | 'captured' | 'settled' = 'waiting';
  readonly written: Promise<WrittenExchange>;
  private resolveFn!: (w: WrittenExchange) => void;
  private rejectFn!: (e: Error) => void;

  constructor() {
    this.written = new Promise<WrittenExchange>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // A caller may never look at `written`; a rejection must not crash the process.
    this.written.catch(() => undefined);
  }

  /** The capture took the request: its outcome settles `written` now. */
  captured(): void {
    if (this.state === 'waiting') this.state = 'captured';
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
