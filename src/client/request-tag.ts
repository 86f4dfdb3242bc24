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
 * Travels with one dispatched request: the capture attaches it to the exchange
 * whose bytes carry the request, and the recorder settles `written`.
 */
export class RequestTag {
  /** The capture attached this tag to an exchange; that exchange will settle it. */
  taken = false;
  private done = false;
  /** Why the handler cut the response short (read by the capture when it records the truncation). */
  truncation: TruncationReason | undefined;
  /** The capture's framing error (malformed HTTP), more precise than what undici reports for the same bytes. */
  captureError: Error | undefined;
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

  get settled(): boolean {
    return this.done;
  }

  resolve(w: WrittenExchange): void {
    if (this.done) return;
    this.done = true;
    this.resolveFn(w);
  }

  reject(e: Error): void {
    if (this.done) return;
    this.done = true;
    this.rejectFn(e);
  }
}
