import { HttpParseError } from './errors';

/** Header fields in wire order, names as sent (case kept). */
export type HeaderList = Array<[name: string, value: string]>;

export interface RequestHead {
  kind: 'request';
  method: string;
  target: string;
  version: string;
  headers: HeaderList;
  /** Bytes of the head section including the blank line. */
  length: number;
}

export interface ResponseHead {
  kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: HeaderList;
  length: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;

/** Splits the head bytes (ending in a blank line) into lines, accepting CRLF or bare LF. */
function splitLines(bytes: Uint8Array): string[] {
  // latin1 keeps every byte as one char, so nothing is lost for odd encodings.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // Leading blank lines before a message are tolerated (RFC 9112 §2.2).
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function parseHeaderLines(lines: string[]): HeaderList {
  const headers: HeaderList = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // Obsolete line folding: append to the previous field's value.
      const last = headers[headers.length - 1];
      if (last === undefined) throw new HttpParseError('ERR_HTTP_MALFORMED_HEADER', 'header continuation line without a field');
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) {
      throw new HttpParseError('ERR_HTTP_MALFORMED_HEADER', `malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return headers;
}

export function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const lines = splitLines(bytes);
  const m = STATUS_LINE.exec(lines[0] ?? '');
  if (m === null) {
    throw new HttpParseError('ERR_HTTP_MALFORMED_STATUS', `malformed status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  }
  return {
    kind: 'response',
    version: `${m[1]}.${m[2]}`,
    status: Number(m[3]),
    reason: m[4] ?? '',
    headers: parseHeaderLines(lines.slice(1)),
    length: bytes.byteLength,
  };
}

export function parseRequestHead(bytes: Uint8Array): RequestHead {
  const lines = splitLines(bytes);
  const m = REQUEST_LINE.exec(lines[0] ?? '');
  if (m === null) {
    throw new HttpParseError('ERR_HTTP_MALFORMED_REQUEST', `malformed request line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  }
  return {
    kind: 'request',
    method: m[1]!,
    target: m[2]!,
    version: `${m[3]}.${m[4]}`,
    headers: parseHeaderLines(lines.slice(1)),
    length: bytes.byteLength,
  };
}

/** Every value of a header (case-insensitive name), in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v);
  return out;
}

/** The first value of a header, or undefined. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  return headerValues(headers, name)[0];
}
