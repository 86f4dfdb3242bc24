import { Transform, type TransformCallback } from 'node:stream';

/** Shared by the two directions of one tunnel: bytes seen and whether the fault fired. */
export interface TripState {
  bytes: number;
  tripped: boolean;
}

/**
 * Lets data through until `threshold` bytes (counted in `state`, which both
 * directions may share) have passed; on reaching it, fires `onTrip` once and swallows the
 * rest. With `endOnTrip` the readable side ends right after the last byte
 * allowed, so a pipe delivers exactly `threshold` bytes and then a FIN.
 */
export class TripStream extends Transform {
  constructor(
    private readonly state: TripState,
    private readonly threshold: number,
    private readonly onTrip: () => void,
    private readonly endOnTrip = false,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.state.tripped) return callback();
    const room = this.threshold - this.state.bytes;
    if (chunk.length < room) {
      this.state.bytes += chunk.length;
      return callback(null, chunk);
    }
    if (room > 0) this.push(chunk.subarray(0, room));
    this.state.bytes = this.threshold;
    this.state.tripped = true;
    if (this.endOnTrip) this.push(null);
    this.onTrip();
    callback();
  }
}
