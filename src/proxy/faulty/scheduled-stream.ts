import { Transform, type TransformCallback } from 'node:stream';

/** One piece of output and the time (ms since epoch) it may leave. */
export interface ScheduledPiece {
  piece: Buffer;
  at: number;
}

/** Splits a chunk into timed pieces; `lastAt` is when the previous piece leaves. */
export type Scheduler = (chunk: Buffer, lastAt: number, now: number) => ScheduledPiece[];

/** Above this many queued bytes the stream stops taking input, so a slow schedule applies backpressure. */
const QUEUE_CAP = 256 * 1024;

/**
 * Re-times data: each chunk is cut and released at the times the scheduler
 * gives, in order, from one timer. Latency, bandwidth caps and slicing are
 * all schedulers over this stream.
 */
export class ScheduledStream extends Transform {
  private queue: ScheduledPiece[] = [];
  private head = 0;
  private queuedBytes = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiting: TransformCallback | undefined;
  private flushing: TransformCallback | undefined;

  constructor(private readonly scheduler: Scheduler) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const piece of this.scheduler(chunk, this.lastAt, Date.now())) {
      this.queue.push(piece);
      this.queuedBytes += piece.piece.length;
      this.lastAt = piece.at;
    }
    this.arm();
    if (this.queuedBytes > QUEUE_CAP) this.waiting = callback;
    else callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.head >= this.queue.length) callback();
    else this.flushing = callback;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
    callback(error);
  }

  private arm(): void {
    if (this.timer || this.head >= this.queue.length) return;
    const wait = Math.max(0, this.queue[this.head]!.at - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, wait);
  }

  private release(): void {
    if (this.destroyed) return;
    const now = Date.now();
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now) {
      const { piece } = this.queue[this.head++]!;
      this.queuedBytes -= piece.length;
      this.push(piece);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.waiting && this.queuedBytes <= QUEUE_CAP) {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting();
    }
    if (this.head < this.queue.length) this.arm();
    else if (this.flushing) {
      const flushing = this.flushing;
      this.flushing = undefined;
      flushing();
    }
  }
}

/** Every chunk leaves `delay()` ms after it arrived, never before the previous one. */
export function latencyScheduler(delay: () => number): Scheduler {
  return (chunk, lastAt, now) => [{ piece: chunk, at: Math.max(lastAt, now + delay()) }];
}

/** Pieces of 1/20 s worth of data, each leaving when the rate allows. */
export function bandwidthScheduler(bytesPerSecond: number): Scheduler {
  const size = Math.max(1, Math.floor(bytesPerSecond / 20));
  return (chunk, lastAt, now) => {
    const out: ScheduledPiece[] = [];
    let t = Math.max(lastAt, now);
    for (let offset = 0; offset < chunk.length; offset += size) {
      const piece = chunk.subarray(offset, offset + size);
      t += (piece.length * 1000) / bytesPerSecond;
      out.push({ piece, at: t });
    }
    return out;
  };
}

/** Pieces of `size` bytes with `delayMs` between them. */
export function sliceScheduler(size: number, delayMs: number): Scheduler {
  return (chunk, lastAt, now) => {
    const out: ScheduledPiece[] = [];
    let t = Math.max(lastAt, now);
    for (let offset = 0; offset < chunk.length; offset += size) {
      t += delayMs;
      out.push({ piece: chunk.subarray(offset, offset + size), at: t });
    }
    return out;
  };
}
