/**
 * Hands out event-loop turns one at a time. Building a TLS context costs about
 * a millisecond of synchronous OpenSSL parsing; 500 hosts asked for at once
 * would otherwise run all of theirs back to back and stall every socket for
 * half a second. Each waiter gets its own turn, with I/O in between.
 */
export class Turns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves in a later turn of the event loop, after the waiters before it. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()!();
      this.schedule();
    });
  }
}
