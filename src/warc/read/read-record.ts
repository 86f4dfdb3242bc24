/**
 * A record as read: its header fields, where it sits in the file, and its
 * block as a stream pulled straight from the input (never held whole).
 */
import { WarcError } from '../errors';
import { headerValue, headerValues, isHttpContentType, parseHttpHead, type HttpHead } from '../../http/head';
import { httpPayload, type PayloadOptions } from './payload';
import { Break, type Cursor } from './read-cursor';
import type { ReadIssue } from './read-issues';
import type { WarcRecordType } from '../record';

const SLICE = 64 * 1024;
/** An HTTP head longer than this is not looked for (the bytes stay in memory until the block is streamed). */
export const MAX_HTTP_HEAD = 1024 * 1024;

/** What the record reader needs from the file reader. */
export interface RecordContext {
  cursor: Cursor;
  report(issue: ReadIssue, record?: ReadRecord): void;
}

/**
 * WARC-Type as read: one of the WARC 1.1 types, or whatever other value the file
 * holds ('' when the field is missing). The `string & {}` keeps editor completion
 * of the known types without rejecting unknown ones.
 */
export type ReadRecordType = WarcRecordType | (string & {});

export class ReadRecord {
  /** Damage and notes about this record (its block and trailer included once consumed). */
  readonly issues: ReadIssue[] = [];
  /**
   * Bytes the record takes in the file, from `offset`: for plain files the header,
   * block and trailer; for compressed files its whole member(s) (what a CDX(J)
   * `length` holds). Plain files: set by `finish()`. Compressed files: set once the
   * member holding the record's last bytes has ended — by `finish()` with one member
   * per record; only later, as reading goes on, when that member also holds the next
   * records (whole-file gzip); possibly never when the input ends inside the member.
   */
  length?: number;
  /** Bytes of the block actually read (short when the record was cut). */
  blockRead = 0;
  /** True once the block was read to its end without running out of input. */
  complete = false;
  private remaining: number;
  private cut = false;
  private peeked?: Buffer;
  private streaming = false;
  private finished?: Promise<void>;
  private head?: Promise<HttpHead | undefined>;
  /** Looked up once: every issue carries them, and a header may hold many fields. */
  private readonly typeField: string;
  private readonly idField: string;

  constructor(
    private readonly ctx: RecordContext,
    /** Compressed offset of the member where the record starts (plain files: byte offset). */
    readonly offset: number,
    /** e.g. `WARC/1.1` */
    readonly version: string,
    readonly headers: ReadonlyArray<readonly [string, string]>,
    /** Content-Length as declared (0 when missing or invalid; see issues). */
    readonly contentLength: number,
    private readonly afterBlock: (record: ReadRecord) => Promise<void>,
    /** The header bytes exactly as stored, version line to the blank line included. */
    readonly rawHeader: Buffer = Buffer.alloc(0),
  ) {
    this.remaining = contentLength;
    this.typeField = this.get('WARC-Type') ?? '';
    this.idField = this.get('WARC-Record-ID') ?? '';
  }

  get(name: string): string | undefined {
    return headerValue(this.headers, name);
  }

  getAll(name: string): string[] {
    return headerValues(this.headers, name);
  }

  get type(): ReadRecordType {
    return this.typeField;
  }
  get id(): string {
    return this.idField;
  }
  get date(): string | undefined {
    return this.get('WARC-Date');
  }
  get targetUri(): string | undefined {
    const uri = this.get('WARC-Target-URI');
    return uri?.replace(/^<(.*)>$/, '$1');
  }
  get contentType(): string | undefined {
    return this.get('Content-Type');
  }

  issue(kind: string, message: string, severity: 'error' | 'note' = 'error'): void {
    this.ctx.report({ offset: this.offset, severity, kind, message, recordId: this.id, recordType: this.type }, this);
  }

  private async pull(max: number): Promise<Buffer | null> {
    if (this.remaining === 0) {
      // A block cut short stays incomplete however often it is pulled again (peek, then block, then finish).
      if (!this.cut) this.complete = true;
      return null;
    }
    const got = await this.ctx.cursor.read(Math.min(max, this.remaining));
    if (got === null || got instanceof Break) {
      this.issue(
        'truncated',
        got instanceof Break
          ? `block cut short after ${this.blockRead} of ${this.contentLength} bytes (${got.reason})`
          : `block cut short after ${this.blockRead} of ${this.contentLength} bytes (end of input)`,
      );
      this.remaining = 0;
      this.cut = true;
      if (got instanceof Break) await this.ctx.cursor.skipBreak();
      return null;
    }
    this.remaining -= got.length;
    this.blockRead += got.length;
    if (this.remaining === 0) this.complete = true;
    return got;
  }

  /** The first `n` bytes of the block (fewer if shorter), kept so block() still starts at byte 0. */
  async peek(n: number): Promise<Buffer> {
    if (this.streaming) throw new WarcError('ERR_WARC_BLOCK_CONSUMED', 'peek() after the block was streamed', { offset: this.offset });
    const parts: Buffer[] = this.peeked ? [this.peeked] : [];
    let have = this.peeked?.length ?? 0;
    while (have < n) {
      const got = await this.pull(n - have);
      if (got === null) break;
      parts.push(Buffer.from(got));
      have += got.length;
    }
    this.peeked = Buffer.concat(parts);
    return this.peeked.subarray(0, n);
  }

  /** The block as chunks; once per record, before moving to the next record. */
  async *block(): AsyncGenerator<Buffer> {
    if (this.streaming || this.finished) throw new WarcError('ERR_WARC_BLOCK_CONSUMED', 'the block was already read', { offset: this.offset });
    this.streaming = true;
    if (this.peeked && this.peeked.length > 0) {
      const p = this.peeked;
      this.peeked = undefined;
      yield p;
    }
    for (;;) {
      const got = await this.pull(SLICE);
      if (got === null) return;
      yield got;
    }
  }

  /**
   * The HTTP request or response head of an `application/http` record
   * (status, reason, method, target, headers in order with repeats; for a
   * response, the final one, after any interim 1xx heads); undefined
   * for other records, or when the block holds no complete head within
   * MAX_HTTP_HEAD bytes. Call before streaming the block; block() and payload()
   * still start at byte 0.
   */
  httpHead(): Promise<HttpHead | undefined> {
    this.head ??= (async () => {
      if (!isHttpContentType(this.contentType)) return undefined;
      for (let n = 8 * 1024; ; n *= 4) {
        const bytes = await this.peek(Math.min(n, MAX_HTTP_HEAD));
        const head = parseHttpHead(bytes);
        if (head || bytes.length < n || n >= MAX_HTTP_HEAD) return head;
      }
    })();
    return this.head;
  }

  /**
   * The payload as a stream: for HTTP records the entity body with the
   * transfer coding removed (de-chunked) and the content coding kept unless
   * `decodeContentEncoding`; for other records the block. Streams like block(),
   * once per record.
   */
  async *payload(options: PayloadOptions = {}): AsyncGenerator<Buffer> {
    const head = await this.httpHead();
    yield* httpPayload(this, head, options);
  }

  /** The whole block in memory, refusing blocks over `limit` bytes. */
  async readBlock(limit = 64 * 1024 * 1024): Promise<Buffer> {
    if (this.contentLength > limit) {
      throw new WarcError('ERR_WARC_PARSE', `block of ${this.contentLength} bytes is over the ${limit}-byte limit`, { offset: this.offset });
    }
    const parts: Buffer[] = [];
    for await (const chunk of this.block()) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  /** Skips what is left of the block, reads the trailer, sets `length`. Idempotent. */
  finish(): Promise<void> {
    this.finished ??= (async () => {
      this.peeked = undefined;
      while ((await this.pull(SLICE)) !== null);
      await this.afterBlock(this);
    })();
    return this.finished;
  }
}
