/**
 * WarcReader: async iteration over the records of a WARC file (gzip, zstd or
 * plain, told apart by magic bytes). Strict mode throws a typed error with the
 * offset at the first damage; tolerant mode reports it and carries on.
 */
import { createReadStream } from 'node:fs';
import type { Backend } from '../../backend/types';
import { defaultBackend } from '../backend';
import { WarcError } from '../errors';
import { Break, Cursor } from './read-cursor';
import { issueError, type IssueSink, type ReadIssue } from './read-issues';
import { ReadRecord } from './read-record';
import { decodeSegments, type InputCompression } from './read-segments';

export type { ReadIssue } from './read-issues';
export { ReadRecord, type ReadRecordType } from './read-record';

export interface WarcReaderOptions {
  /** Throw at the first damage (default false: report and skip). */
  strict?: boolean;
  backend?: Backend;
  /** Raw zstd dictionary for `.warc.zst` files that carry no dictionary frame. */
  dictionary?: Uint8Array;
  /** Called for every issue (reader-level and per-record). */
  onIssue?: IssueSink;
  /** Longest header line accepted. Default 64 KiB. */
  maxHeaderLine?: number;
  /** Largest header accepted. Default 1 MiB. */
  maxHeaderSize?: number;
}

export type WarcSource = string | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

const CR = 0x0d;
const LF = 0x0a;
const WARC_PREFIX = Buffer.from('WARC/');
const READ_CHUNK = 256 * 1024;
/** Malformed header lines reported one by one per record; the rest are counted in one issue. */
export const MAX_HEADER_LINE_ISSUES = 100;

/** Bytes that may pad records apart: CR, LF, NUL, space, tab (a table for Cursor.skipAny). */
const PADDING = new Uint8Array(256);
for (const byte of [CR, LF, 0, 0x20, 0x09]) PADDING[byte] = 1;

function isPadding(byte: number): boolean {
  return PADDING[byte] === 1;
}

export class WarcReader implements AsyncIterable<ReadRecord> {
  /** Every issue met so far. */
  readonly issues: ReadIssue[] = [];
  /** Known once reading has started. */
  compression?: InputCompression;
  private readonly strict: boolean;
  private readonly maxLine: number;
  private readonly maxHeader: number;
  private used = false;
  /** Records whose last member has not ended yet, with that member. */
  private pending: Array<{ record: ReadRecord; member: number }> = [];
  /** Recently ended members: start -> end (compressed offsets). */
  private readonly ended = new Map<number, number>();

  constructor(
    private readonly source: WarcSource,
    private readonly options: WarcReaderOptions = {},
  ) {
    this.strict = options.strict ?? false;
    this.maxLine = options.maxHeaderLine ?? 64 * 1024;
    this.maxHeader = options.maxHeaderSize ?? 1024 * 1024;
  }

  private report(issue: ReadIssue, record?: ReadRecord): void {
    if (this.strict && issue.severity === 'error') throw issueError(issue);
    this.issues.push(issue);
    record?.issues.push(issue);
    this.options.onIssue?.(issue);
  }

  private input(): AsyncIterable<Uint8Array> {
    if (typeof this.source === 'string') return createReadStream(this.source, { highWaterMark: READ_CHUNK });
    return this.source as AsyncIterable<Uint8Array>;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ReadRecord> {
    if (this.used) throw new WarcError('ERR_WARC_BLOCK_CONSUMED', 'a WarcReader can be iterated once');
    this.used = true;
    const backend = this.options.backend ?? (await defaultBackend());
    const segments = decodeSegments(this.input(), {
      backend,
      strict: this.strict,
      onIssue: (issue) => this.report(issue),
      ...(this.options.dictionary ? { dictionary: this.options.dictionary } : {}),
      onFormat: (c) => (this.compression = c),
    });
    const cursor = new Cursor(segments, (member, end) => {
      this.ended.set(member, end);
      if (this.ended.size > 64) this.ended.delete(this.ended.keys().next().value as number);
      // Records whose last bytes came from this member learn their compressed length.
      if (this.pending.length === 0) return;
      for (const p of this.pending) if (p.member === member) p.record.length = end - p.record.offset;
      this.pending = this.pending.filter((p) => p.record.length === undefined);
    });
    try {
      for (;;) {
        const record = await this.next(cursor);
        if (!record) return;
        yield record;
        await record.finish();
      }
    } finally {
      await segments.return(undefined);
    }
  }

  /** Skips padding and garbage up to the next `WARC/` line; false at end of input. */
  private async seekRecord(cursor: Cursor): Promise<boolean> {
    let garbageAt: number | undefined;
    let garbage = 0;
    let padding = 0;
    const paddingAt = this.compression === 'none' ? cursor.position : await cursor.member();
    for (;;) {
      const byte = await cursor.peek();
      if (byte === null) break;
      if (byte instanceof Break) {
        const at = (await cursor.member()) ?? cursor.position; // the broken member's start
        const reason = await cursor.skipBreak();
        this.report({ offset: at, severity: 'error', kind: 'truncated', message: `between records: ${reason}` });
        continue;
      }
      if (isPadding(byte)) {
        padding += await cursor.skipAny(PADDING);
        continue;
      }
      if (byte === 0x57 && (await cursor.peekBytes(5)).equals(WARC_PREFIX)) break;
      garbageAt ??= this.compression === 'none' ? cursor.position : await cursor.member();
      const line = await cursor.readLine(this.maxLine);
      if (line === null) break;
      if (!(line instanceof Break)) garbage += line.line.length;
    }
    if (garbageAt !== undefined) {
      this.report({ offset: garbageAt, severity: 'error', kind: 'garbage', message: `${garbage} bytes that are not a WARC record (skipped)` });
    } else if (padding > 4) {
      this.report({ offset: paddingAt ?? 0, severity: 'note', kind: 'padding', message: `${padding} padding bytes between records` });
    }
    return (await cursor.peek()) !== null;
  }

  private async next(cursor: Cursor): Promise<ReadRecord | undefined> {
    let offset: number;
    let start: number;
    let version: string;
    let raw: Buffer[];
    for (;;) {
      if (!(await this.seekRecord(cursor))) return undefined;
      offset = this.compression === 'none' ? cursor.position : ((await cursor.member()) ?? cursor.position);
      start = cursor.position;
      const versionLine = await cursor.readLine(this.maxLine);
      if (versionLine === null) return undefined;
      if (!(versionLine instanceof Break)) {
        version = versionLine.line.toString('latin1').trim();
        raw = [versionLine.line];
        break;
      }
      this.report({ offset, severity: 'error', kind: 'truncated', message: `record cut short in its first line (${versionLine.reason})` });
      await cursor.skipBreak();
    }
    const headers: Array<[string, string]> = [];
    const problems: Array<[string, string]> = [];
    let malformed = 0;
    let ended = false;
    while (!ended) {
      const got = await cursor.readLine(this.maxLine);
      if (got === null || got instanceof Break) {
        problems.push(['truncated', got instanceof Break ? `header cut short (${got.reason})` : 'header cut short (end of input)']);
        if (got instanceof Break) await cursor.skipBreak();
        break;
      }
      if (got.tooLong) {
        problems.push(['header-too-long', `header line longer than ${this.maxLine} bytes`]);
        break;
      }
      if (cursor.position - start > this.maxHeader) {
        problems.push(['header-too-long', `header larger than ${this.maxHeader} bytes`]);
        break;
      }
      raw.push(got.line);
      const text = got.line.toString('utf8').replace(/\r?\n$/, '');
      if (text === '') {
        ended = true;
      } else if ((text[0] === ' ' || text[0] === '\t') && headers.length > 0) {
        headers[headers.length - 1][1] += ' ' + text.trim();
      } else {
        const colon = text.indexOf(':');
        if (colon > 0) headers.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim()]);
        else if (++malformed <= MAX_HEADER_LINE_ISSUES) problems.push(['header', `malformed header line ${JSON.stringify(text.slice(0, 80))}`]);
      }
    }
    if (malformed > MAX_HEADER_LINE_ISSUES) {
      problems.push(['header', `${malformed - MAX_HEADER_LINE_ISSUES} more malformed header lines (${malformed} in all)`]);
    }
    const lengthText = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
    const declared = lengthText !== undefined && /^\d+$/.test(lengthText) ? Number(lengthText) : undefined;
    if (ended && declared === undefined) problems.push(['header', lengthText === undefined ? 'no Content-Length' : `invalid Content-Length ${JSON.stringify(lengthText)}`]);
    const usable = ended && declared !== undefined;
    const record = new ReadRecord(
      { cursor, report: (issue, rec) => this.report(issue, rec) },
      offset,
      version,
      headers,
      usable ? declared : 0,
      (rec) => this.afterBlock(cursor, rec, usable),
      Buffer.concat(raw),
    );
    for (const [kind, message] of problems) record.issue(kind, message);
    return record;
  }

  /** Reads the `\r\n\r\n` trailer and works out the record's compressed length. */
  private async afterBlock(cursor: Cursor, record: ReadRecord, usable: boolean): Promise<void> {
    let lastMember = cursor.lastMember;
    if (usable && record.complete && (await this.readTrailer(cursor, record))) lastMember = cursor.lastMember;
    if (this.compression === 'none') {
      record.length = cursor.position - record.offset;
      return;
    }
    let atEnd = (await cursor.memberEnd()) !== undefined;
    if (!atEnd && usable && record.complete) {
      // Padding inside the member (e.g. NULs) still belongs to this record's member.
      await cursor.skipAny(PADDING);
      atEnd = (await cursor.memberEnd()) !== undefined;
    }
    const end = this.ended.get(lastMember);
    if (end !== undefined && end > record.offset) {
      record.length = end - record.offset;
      return;
    }
    // The member goes on (whole-file gzip, or damage): the length is known when it ends.
    const first = !this.pending.some((p) => p.member === lastMember);
    this.pending.push({ record, member: lastMember });
    if (first && !atEnd && usable && record.complete) {
      record.issue('member', 'record shares its compressed member with the next record (not one member per record)', 'note');
    }
  }

  /** True when the full CRLFCRLF was there. */
  private async readTrailer(cursor: Cursor, record: ReadRecord): Promise<boolean> {
    let trailer = '';
    while (trailer.length < 4) {
      const byte = await cursor.peek();
      if (byte !== CR && byte !== LF) break;
      await cursor.read(1);
      trailer += byte === CR ? '\r' : '\n';
    }
    if (trailer === '\r\n\r\n') return true;
    const next = await cursor.peek();
    const atNextRecord = next === null || next instanceof Break || next === 0 || (next === 0x57 && (await cursor.peekBytes(5)).equals(WARC_PREFIX));
    if (!atNextRecord) {
      record.issue('trailer', `no CRLFCRLF after the ${record.contentLength}-byte block: Content-Length does not match the record`);
    } else if (trailer === '' && next === null) {
      record.issue('trailer', 'no CRLFCRLF trailer at end of input', 'note');
    } else {
      record.issue('trailer', `short trailer ${JSON.stringify(trailer)} instead of CRLFCRLF`, 'note');
    }
    return false;
  }
}
