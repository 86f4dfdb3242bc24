/**
 * What one pushed chunk holds for the message being framed: the framer hands its bytes out
 * piecewise (a head, then the body) and its payload as ranges of the same chunk; this gathers
 * them so the capture appends each message's share of a chunk in ONE capture-block call.
 */
export class ChunkSegment {
  private chunk: Uint8Array = new Uint8Array(0);
  /** First byte not yet taken. */
  private start = 0;
  /** Past the last byte the framer delivered (onBytes covers the chunk in order, each byte once). */
  private end = 0;
  /** Payload [start, end) pairs, offsets into `chunk`, ascending. */
  private ranges: number[] = [];

  /** A new chunk is being pushed. */
  begin(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.start = 0;
    this.end = 0;
    this.ranges = [];
  }

  /** onBytes: the next `length` bytes of the chunk belong to the current message. */
  delivered(length: number): void {
    this.end += length;
  }

  /** onPayload: `length` payload bytes at `offset` in the chunk. */
  payload(offset: number, length: number): void {
    this.ranges.push(offset, offset + length);
  }

  /** Bytes delivered but not taken yet. */
  get pending(): number {
    return this.end - this.start;
  }

  /**
   * The delivered bytes not taken yet, with the payload ranges inside them made relative to
   * them; ranges past the delivered bytes (a push that threw) are dropped.
   */
  take(): { bytes: Uint8Array; payloadRanges: number[] } {
    const { start, end } = this;
    const payloadRanges: number[] = [];
    for (let i = 0; i < this.ranges.length; i += 2) {
      const from = this.ranges[i]!;
      const to = Math.min(this.ranges[i + 1]!, end);
      if (from < to) payloadRanges.push(from - start, to - start);
    }
    this.ranges = [];
    this.start = end;
    return { bytes: this.chunk.subarray(start, end), payloadRanges };
  }
}
