import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { TOKEN } from '../../http/head';

/** What the first bytes of a client connection turned out to be. */
export type HeadResult =
  | { kind: 'connect'; target: string; headers: IncomingHttpHeaders; rest: Buffer }
  /** Not a CONNECT: the bytes read so far, to hand to the HTTP server. */
  | { kind: 'other'; buffered: Buffer }
  | { kind: 'error'; status: 400 | 431 }
  | { kind: 'gone' };

const PREFIX = Buffer.from('CONNECT ', 'latin1');
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
const CR = 0x0d;
const LF = 0x0a;
/**
 * A request line as Node's HTTP parser takes it (runs of spaces allowed), without
 * its CR. Anything else is answered 400 as soon as its LF arrives, instead of
 * waiting for a head end that a bare-LF client never sends.
 */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ +\S+ +HTTP\/\d\.\d$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Headers whose repetition is ambiguous (whose credentials? which tag?): a client error. */
const SINGLE = new Set(['x-warcwire-tag', 'proxy-authorization']);

/** Parses a complete CONNECT head (without the final CRLFCRLF); undefined when malformed. */
export function parseConnectHead(text: string): { target: string; headers: IncomingHttpHeaders } | undefined {
  const lines = text.split('\r\n');
  const request = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(lines[0]!);
  if (!request) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) return undefined;
    const key = name.toLowerCase();
    const previous = headers[key];
    if (previous === undefined) headers[key] = value;
    else if (SINGLE.has(key)) return undefined;
    else headers[key] = `${String(previous)}, ${value}`;
  }
  return { target: request[1]!, headers };
}

/** Where the request line starts: empty lines before it are allowed (RFC 9112 §2.2). */
function requestLineStart(buffered: Buffer): number {
  let start = 0;
  while (buffered[start] === CR && buffered[start + 1] === LF) start += 2;
  return start;
}

/** Whether the complete line [start, lf) is a request line ending in CRLF. */
function isRequestLine(buffered: Buffer, start: number, lf: number): boolean {
  return lf > start && buffered[lf - 1] === CR && REQUEST_LINE.test(buffered.toString('latin1', start, lf - 1));
}

/**
 * Reads a connection's first request line, and the whole head when it is a
 * CONNECT (the common case for a crawler's proxy, and cheaper than a full HTTP
 * server round). A malformed or bare-LF request line, or a bare LF in a
 * CONNECT head, is an error at once; other requests go to the HTTP server
 * after their request line. The deadline is the caller's (see ClientSlots).
 * The socket is left paused; `done` runs once.
 */
export function readConnectHead(socket: Socket, maxBytes: number, done: (result: HeadResult) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  let finished = false;
  /** Bytes already searched for a bare LF. */
  let scanned = 0;
  const finish = (result: HeadResult): void => {
    if (finished) return;
    finished = true;
    socket.off('data', onData);
    socket.off('end', onGone);
    socket.off('close', onGone);
    socket.pause();
    done(result);
  };
  const onGone = (): void => finish({ kind: 'gone' });
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const start = requestLineStart(buffered);
    const lineEnd = buffered.indexOf(LF, start);
    if (lineEnd < 0) {
      if (buffered.length > maxBytes) finish({ kind: 'error', status: 431 });
      return;
    }
    if (!isRequestLine(buffered, start, lineEnd)) return finish({ kind: 'error', status: 400 });
    if (start > 0 || buffered.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return finish({ kind: 'other', buffered });
    const end = buffered.indexOf(END_OF_HEAD);
    // Only the head: bytes after it belong to the tunnel.
    const headEnd = end < 0 ? buffered.length : end + 4;
    for (let lf = buffered.indexOf(LF, Math.max(scanned, lineEnd + 1)); lf >= 0 && lf < headEnd; lf = buffered.indexOf(LF, lf + 1)) {
      if (buffered[lf - 1] !== CR) return finish({ kind: 'error', status: 400 });
    }
    scanned = headEnd;
    if (end < 0) {
      if (buffered.length > maxBytes) finish({ kind: 'error', status: 431 });
      return;
    }
    if (end + 4 > maxBytes) return finish({ kind: 'error', status: 431 });
    const parsed = parseConnectHead(buffered.toString('latin1', 0, end));
    if (!parsed) return finish({ kind: 'error', status: 400 });
    finish({ kind: 'connect', target: parsed.target, headers: parsed.headers, rest: buffered.subarray(end + 4) });
  };
  socket.on('data', onData);
  socket.once('end', onGone);
  socket.once('close', onGone);
}
