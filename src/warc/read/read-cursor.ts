/**
 * A read position over decoded segments: lines with a length bound, bounded
 * reads, the decoded position, and which compressed member a byte came from.
 */
import type { Segment } from './read-segments';

/** A read ran into a damaged/cut member. */
export class Break {
  constructor(readonly reason: string) {}
}

export class Cursor {
  private queue: Segment[] = [];
  /** Read position inside queue[0]. */
  private at = 0;
  /** queue[0] has no `\n` from `at` up to here: where readLine's last search stopped (keeps scanning linear). */
  private searched = 0;
  private done = false;
  /** Compressed end of the most recently finished segment, when its member ended there. */
  private lastEnd: number | undefined;
  /** Decoded bytes consumed so far. */
  position = 0;
  /** Member of the most recently consumed byte. */
  lastMember = 0;

  constructor(
    private readonly source: AsyncIterator<Segment>,
    /** Told when the reading position passes the end of a member. */
    private readonly onMemberEnd?: (member: number, end: number) => void,
  ) {}

  /** Pulls one more segment; false at end of input. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.queue.push(r.value);
    return true;
  }

  /** Drops consumed or empty segments at the front (not breaks). */
  private trim(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.broken !== undefined || this.at < head.data.length) return;
      this.lastEnd = head.end;
      this.queue.shift();
      if (head.end !== undefined) this.onMemberEnd?.(head.member, head.end);
      this.at = 0;
      this.searched = 0;
    }
  }

  /** Makes sure a byte (or a break) is at the front; false at end of input. */
  private async front(): Promise<boolean> {
    for (;;) {
      this.trim();
      if (this.queue.length > 0) return true;
      if (!(await this.fill())) return false;
    }
  }

  /** Compressed offset of the member holding the next byte, or undefined at end of input. */
  async member(): Promise<number | undefined> {
    if (!(await this.front())) return undefined;
    return this.queue[0].member;
  }

  /** The next byte without consuming it; null at end; a Break if the member broke. */
  async peek(): Promise<number | null | Break> {
    if (!(await this.front())) return null;
    const head = this.queue[0];
    if (head.broken !== undefined) return new Break(head.broken);
    return head.data[this.at];
  }

  /** Consumes a break at the front, if any. */
  async skipBreak(): Promise<string | undefined> {
    if (!(await this.front())) return undefined;
    const head = this.queue[0];
    if (head.broken === undefined) return undefined;
    this.queue.shift();
    this.at = 0;
    this.searched = 0;
    this.lastEnd = undefined;
    return head.broken;
  }

  /** Up to `n` bytes from the front without consuming them (stops at a break or end of input). */
  async peekBytes(n: number): Promise<Buffer> {
    if (!(await this.front())) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let length = 0;
    let index = 0;
    let at = this.at;
    for (;;) {
      while (index >= this.queue.length) if (!(await this.fill())) return Buffer.concat(parts);
      const seg = this.queue[index];
      if (seg.broken !== undefined) return Buffer.concat(parts);
      const take = Math.min(n - length, seg.data.length - at);
      parts.push(seg.data.subarray(at, at + take));
      length += take;
      if (length >= n) return Buffer.concat(parts);
      index++;
      at = 0;
    }
  }

  /** Up to `max` bytes (at least one); null at end of input; a Break when the member broke. */
  async read(max: number): Promise<Buffer | null | Break> {
    if (!(await this.front())) return null;
    const head = this.queue[0];
    if (head.broken !== undefined) return new Break(head.broken);
    const n = Math.min(max, head.data.length - this.at);
    const out = head.data.subarray(this.at, this.at + n);
    this.lastMember = head.member;
    this.at += n;
    this.position += n;
    return out;
  }

  /**
   * Consumes bytes marked in `table` (256 entries, non-zero = skip) without a turn
   * per byte; stops at another byte, a break or end of input. Returns the count.
   */
  async skipAny(table: Uint8Array): Promise<number> {
    let skipped = 0;
    for (;;) {
      if (!(await this.front())) return skipped;
      const head = this.queue[0];
      if (head.broken !== undefined) return skipped;
      const data = head.data;
      let end = this.at;
      while (end < data.length && table[data[end]] !== 0) end++;
      const n = end - this.at;
      if (n > 0) this.lastMember = head.member;
      this.at = end;
      this.position += n;
      skipped += n;
      if (end < data.length) return skipped;
    }
  }

  /**
   * One line including its `\n` (or what is left at end of input). Returns
   * `{ tooLong: true }` after discarding `limit` bytes without finding `\n`.
   */
  async readLine(limit: number): Promise<{ line: Buffer; tooLong: boolean } | null | Break> {
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      if (!(await this.front())) return length > 0 ? { line: Buffer.concat(parts), tooLong: false } : null;
      const head = this.queue[0];
      if (head.broken !== undefined) return new Break(head.broken);
      // Bytes already searched are not searched again, so a segment without `\n` costs one pass.
      const nl = head.data.indexOf(0x0a, Math.max(this.at, this.searched));
      this.searched = nl >= 0 ? nl : head.data.length;
      const stop = nl >= 0 ? nl + 1 : head.data.length;
      const take = Math.min(stop - this.at, limit - length);
      parts.push(head.data.subarray(this.at, this.at + take));
      if (take > 0) this.lastMember = head.member;
      this.at += take;
      this.position += take;
      length += take;
      if (nl >= 0 && this.at === nl + 1) return { line: Buffer.concat(parts), tooLong: false };
      if (length >= limit) return { line: Buffer.concat(parts), tooLong: true };
    }
  }

  /**
   * When the cursor sits exactly at the end of a member, its compressed end
   * offset; undefined inside a member (e.g. a whole-file gzip).
   */
  async memberEnd(): Promise<number | undefined> {
    await this.front();
    const head = this.queue[0];
    if (head === undefined || head.broken !== undefined || this.at === 0) return this.lastEnd;
    return undefined;
  }
}
