/**
 * Just enough HTTP/1.x head parsing for indexing and checking captured blocks:
 * the start line, the header fields, and where the body begins.
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
  headers: Array<[string, string]>;
  /** Offset of the body within the block. */
  bodyOffset: number;
  /** Interim (1xx) responses before this final one, in order; absent when there were none. */
  interim?: HttpHead[];
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Just past the blank line that ends the head starting at `from`, or -1 when
 * there is none. The capture's framer (src/http/framer.ts) draws the same
 * line, so the payload read here is the one the writer digested: a line ends
 * at LF (CRLF or bare LF, mixed too), a blank line holds nothing but CRs, and
 * blank lines before the start line belong to the head.
 */
function headSectionEnd(buf: Buffer, from: number): number {
  let sawContent = false;
  for (let lineStart = from; ; ) {
    const lf = buf.indexOf(LF, lineStart);
    if (lf < 0) return -1;
    let blank = true;
    for (let i = lineStart; i < lf && blank; i++) blank = buf[i] === CR;
    if (blank && sawContent) return lf + 1;
    sawContent ||= !blank;
    lineStart = lf + 1;
  }
}

/** 1xx responses that precede the final response in the same block (101 ends HTTP: it is final). */
function isInterim(head: HttpHead): boolean {
  return head.kind === 'response' && head.status! >= 100 && head.status! < 200 && head.status !== 101;
}

/** The one head starting at `from`, its bodyOffset relative to `bytes`; undefined when incomplete or not a head. */
function parseOneHead(buf: Buffer, from: number): HttpHead | undefined {
  const end = headSectionEnd(buf, from);
  if (end < 0) return undefined;
  // The only blank lines in the section are those before the start line and the one ending it.
  const lines = buf
    .toString('latin1', from, end)
    .split('\n')
    .filter((l) => !/^\r*$/.test(l))
    .map((l) => l.replace(/\r$/, ''));
  const start = lines[0] ?? '';
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const response = /^(HTTP\/\d(?:\.\d)?)\s+(\d{3})(?:\s+(.*?))?\s*$/.exec(start);
  if (response) {
    return { kind: 'response', version: response[1], status: Number(response[2]), reason: response[3] ?? '', headers, bodyOffset: end };
  }
  const request = /^([A-Z][A-Z0-9_-]*)\s+(\S+)\s+(HTTP\/\d(?:\.\d)?)\s*$/.exec(start);
  if (request) return { kind: 'request', version: request[3], method: request[1], requestTarget: request[2], headers, bodyOffset: end };
  return undefined;
}

/**
 * Parses the head at the start of `bytes`, or returns undefined when it is not a
 * complete HTTP/1.x head. Interim responses (100 Continue, 102 Processing,
 * 103 Early Hints) are skipped: the head returned is the final response's, its
 * bodyOffset where the final payload starts, as the writer digests it; the
 * skipped heads are in `interim`.
 */
export function parseHttpHead(bytes: Uint8Array): HttpHead | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const interim: HttpHead[] = [];
  for (let from = 0; ; ) {
    const head = parseOneHead(buf, from);
    if (!head || !isInterim(head)) return head && interim.length > 0 ? { ...head, interim } : head;
    interim.push(head);
    from = head.bodyOffset;
  }
}

/** Every value of a header, in order. */
export function headerValues(head: HttpHead, name: string): string[] {
  const lower = name.toLowerCase();
  return head.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export function headerValue(head: HttpHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of head.headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** The codings a header names (every line, list members split), lower-cased, in the order they were applied. */
export function headerCodings(head: HttpHead, name: string): string[] {
  return headerValues(head, name)
    .flatMap((v) => v.split(','))
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
}

/**
 * True when the body is in chunked transfer coding: `chunked` is the last
 * transfer coding named, across every Transfer-Encoding line, as the
 * capture's framer decides it when it digests the payload.
 */
export function isChunked(head: HttpHead): boolean {
  return headerCodings(head, 'Transfer-Encoding').at(-1) === 'chunked';
}

/** True for `application/http` content types (with any msgtype parameter). */
export function isHttpContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/http\b/i.test(contentType.trim());
}
