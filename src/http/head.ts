/**
 * The one HTTP/1.x head model: where a head section ends, its start line and
 * header fields, and the lookups over them. Live traffic (the capture's framer)
 * is parsed strictly and a malformed head is an error; stored blocks (the
 * reader) are parsed tolerantly, as other tools wrote them, and a malformed
 * field line is skipped. Both read lines, blank lines and folded fields alike.
 */
import { HttpParseError } from './errors';

/** Header fields in wire order, names as sent (case kept). */
export type HeaderList = Array<[name: string, value: string]>;

export interface RequestHead {
  kind: 'request';
  method: string;
  target: string;
  /** e.g. `1.1` */
  version: string;
  headers: HeaderList;
  /** Bytes of the head section including the blank line. */
  length: number;
}

export interface ResponseHead {
  kind: 'response';
  /** e.g. `1.1` */
  version: string;
  status: number;
  reason: string;
  headers: HeaderList;
  length: number;
}

/**
 * A head as the reader finds it at the start of a stored block (public:
 * `ReadRecord.httpHead()`): the fields of a RequestHead or ResponseHead under
 * the names this view has always had.
 */
export interface HttpHead {
  kind: 'response' | 'request';
  /** e.g. `HTTP/1.1` */
  version: string;
  /** Response status code. */
  status?: number;
  /** Response reason phrase (may be empty). */
  reason?: string;
  /** Request method. */
  method?: string;
  requestTarget?: string;
  /** In message order, repeats kept (e.g. several Set-Cookie); names as written. Bytes read as latin1. */
  headers: HeaderList;
  /** Offset of the body within the block. */
  bodyOffset: number;
  /** Interim (1xx) responses before this final one, in order; absent when there were none. */
  interim?: HttpHead[];
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds the blank line that ends a head section, across as many calls as the
 * bytes come in: a line ends at LF (CRLF or bare LF, mixed too), a blank line
 * holds nothing but CRs, and blank lines before the start line belong to the head.
 */
export class HeadSectionEnd {
  private lineEmpty = true;
  private sawContent = false;

  /** Just past the LF that ends the head within `bytes[from, to)`, or -1 when it is not there yet. */
  find(bytes: Uint8Array, from: number, to = bytes.length): number {
    for (let i = from; i < to; i++) {
      const b = bytes[i]!;
      if (b === LF) {
        if (this.lineEmpty && this.sawContent) return i + 1;
        this.lineEmpty = true;
      } else if (b !== CR) {
        this.lineEmpty = false;
        this.sawContent = true;
      }
    }
    return -1;
  }
}

/** RFC 9110 §5.6.2 token: an HTTP field name or method (WARC field names follow the same rule). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
// As other tools wrote them: any run of spaces or tabs between the parts, a version without minor.
const STORED_STATUS_LINE = /^HTTP\/(\d(?:\.\d)?)\s+(\d{3})(?:\s+(.*?))?\s*$/;
const STORED_REQUEST_LINE = /^([A-Z][A-Z0-9_-]*)\s+(\S+)\s+HTTP\/(\d(?:\.\d)?)\s*$/;

/** The lines of a head section, without line ends and without the blank lines around it (latin1: every byte kept as one char). */
function headLines(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const lines = text.split('\n');
  const blank = (line: string): boolean => /^\r*$/.test(line);
  while (lines.length > 0 && blank(lines[0]!)) lines.shift();
  while (lines.length > 0 && blank(lines[lines.length - 1]!)) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Field lines to a HeaderList; an obsolete folded line (leading space or tab)
 * continues the previous field's value. A malformed line throws when `strict`,
 * else it is skipped (and the names are trimmed, as stored heads may space them).
 */
function parseFieldLines(lines: string[], strict: boolean): HeaderList {
  const headers: HeaderList = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = headers[headers.length - 1];
      if (last !== undefined) last[1] = `${last[1]} ${line.trim()}`;
      else if (strict) throw new HttpParseError('ERR_HTTP_MALFORMED_HEADER', 'header continuation line without a field');
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (strict ? !TOKEN.test(name) : name.trim() === '') {
      if (strict) throw new HttpParseError('ERR_HTTP_MALFORMED_HEADER', `malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    headers.push([strict ? name : name.trim(), line.slice(colon + 1).trim()]);
  }
  return headers;
}

function startLineError(code: 'ERR_HTTP_MALFORMED_STATUS' | 'ERR_HTTP_MALFORMED_REQUEST', line: string | undefined): HttpParseError {
  const what = code === 'ERR_HTTP_MALFORMED_STATUS' ? 'status' : 'request';
  return new HttpParseError(code, `malformed ${what} line: ${JSON.stringify((line ?? '').slice(0, 80))}`);
}

/** A live response head (bytes ending in its blank line); throws HttpParseError when malformed. */
export function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const lines = headLines(bytes);
  const m = STATUS_LINE.exec(lines[0] ?? '');
  if (m === null) throw startLineError('ERR_HTTP_MALFORMED_STATUS', lines[0]);
  return {
    kind: 'response',
    version: `${m[1]}.${m[2]}`,
    status: Number(m[3]),
    reason: m[4] ?? '',
    headers: parseFieldLines(lines.slice(1), true),
    length: bytes.byteLength,
  };
}

/** A live request head (bytes ending in its blank line); throws HttpParseError when malformed. */
export function parseRequestHead(bytes: Uint8Array): RequestHead {
  const lines = headLines(bytes);
  const m = REQUEST_LINE.exec(lines[0] ?? '');
  if (m === null) throw startLineError('ERR_HTTP_MALFORMED_REQUEST', lines[0]);
  return {
    kind: 'request',
    method: m[1]!,
    target: m[2]!,
    version: `${m[3]}.${m[4]}`,
    headers: parseFieldLines(lines.slice(1), true),
    length: bytes.byteLength,
  };
}

/** The stored head starting at `from`, or undefined when incomplete or not a head. */
function parseStoredHead(bytes: Uint8Array, from: number): RequestHead | ResponseHead | undefined {
  const end = new HeadSectionEnd().find(bytes, from);
  if (end < 0) return undefined;
  const lines = headLines(bytes.subarray(from, end));
  const response = STORED_STATUS_LINE.exec(lines[0] ?? '');
  const headers = (): HeaderList => parseFieldLines(lines.slice(1), false);
  if (response) {
    return { kind: 'response', version: response[1]!, status: Number(response[2]), reason: response[3] ?? '', headers: headers(), length: end - from };
  }
  const request = STORED_REQUEST_LINE.exec(lines[0] ?? '');
  if (request) return { kind: 'request', method: request[1]!, target: request[2]!, version: request[3]!, headers: headers(), length: end - from };
  return undefined;
}

/** 1xx responses that precede the final response in the same message (101 ends HTTP: it is final). */
export function isInterim(head: RequestHead | ResponseHead): boolean {
  return head.kind === 'response' && head.status >= 100 && head.status < 200 && head.status !== 101;
}

function storedView(head: RequestHead | ResponseHead, bodyOffset: number): HttpHead {
  const version = `HTTP/${head.version}`;
  if (head.kind === 'response') return { kind: 'response', version, status: head.status, reason: head.reason, headers: head.headers, bodyOffset };
  return { kind: 'request', version, method: head.method, requestTarget: head.target, headers: head.headers, bodyOffset };
}

/**
 * Parses the head at the start of a stored block, or returns undefined when it
 * is not a complete HTTP/1.x head. Interim responses (100 Continue, 102
 * Processing, 103 Early Hints) are skipped as the capture's framer skips them:
 * the head returned is the final response's, its bodyOffset where the final
 * payload starts, as the writer digests it; the skipped heads are in `interim`.
 */
export function parseHttpHead(bytes: Uint8Array): HttpHead | undefined {
  const interim: HttpHead[] = [];
  for (let from = 0; ; ) {
    const head = parseStoredHead(bytes, from);
    if (head === undefined) return undefined;
    const view = storedView(head, from + head.length);
    if (!isInterim(head)) return interim.length > 0 ? { ...view, interim } : view;
    interim.push(view);
    from = view.bodyOffset;
  }
}

/** A field list as read or written: HTTP header fields, or a WARC record's named fields. */
export type FieldList = ReadonlyArray<readonly [name: string, value: string]>;

/** Every value of a field (case-insensitive name), in order. */
export function headerValues(headers: FieldList, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v);
  return out;
}

/** The first value of a field (case-insensitive name), or undefined. */
export function headerValue(headers: FieldList, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** The codings a header names (every line, list members split), lower-cased, in the order they were applied. */
export function headerCodings(headers: FieldList, name: string): string[] {
  return headerValues(headers, name)
    .flatMap((v) => v.split(','))
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
}

/** True when the body is in chunked transfer coding: `chunked` is the last transfer coding named, across every Transfer-Encoding line. */
export function isChunked(headers: FieldList): boolean {
  return headerCodings(headers, 'Transfer-Encoding').at(-1) === 'chunked';
}

/** True for `application/http` content types (RFC 9112 §10.1, with any msgtype parameter). */
export function isHttpContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/http\b/i.test(contentType.trim());
}
