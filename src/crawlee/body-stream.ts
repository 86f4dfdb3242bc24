import { Transform, type TransformCallback } from 'node:stream';

/**
 * The body stream handed to Crawlee. An error it fails with before the caller
 * listens (the body stopped unread, the connection cut) is held until the caller
 * attaches a 'data', 'readable' or 'error' listener: Crawlee 3 attaches its
 * listeners only after its post-navigation hooks, and a stream that had already
 * failed would leave them waiting forever (a stream emits its error once).
 */
export class BodyStream extends Transform {
  private callerListens = false;
  private held: (() => void) | undefined;

  constructor(private readonly onChunk: (chunk: Buffer) => void) {
    super();
    // A stream handed to a framework that may drop it must not crash the process with its error.
    this.on('error', () => undefined);
  }

  /** Listeners added from now on are the caller's (call once the stream's own wiring, e.g. pipeline, is done). */
  watchCaller(): void {
    this.on('newListener', (event: string | symbol) => {
      if (event !== 'data' && event !== 'readable' && event !== 'error') return;
      this.callerListens = true;
      const release = this.held;
      this.held = undefined;
      // After the caller's chained listeners (on('data').on('error')…) are all in place.
      if (release !== undefined) process.nextTick(release);
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.onChunk(chunk);
    done(null, chunk);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (err === null || this.callerListens) callback(err);
    else this.held = () => callback(err);
  }
}
