/**
 * HTTP inputs: the exact bytes a raw TCP server sends for one request, how it
 * slices them into writes, and how it closes. Built from a few well-formed
 * responses and then damaged the way servers and middleboxes damage them.
 * On disk: one JSON line (`close`, `writes`) followed by the bytes.
 */
import { gzipSync } from 'node:zlib';
import { seededBytes } from '../test/helpers/warc-records';
import { mutate, type Mutation } from './mutate';
import type { Random } from './random';

export interface HttpInput {
  /** `end`: FIN after the last write; `reset`: RST (data in flight may be lost). */
  close: 'end' | 'reset';
  /** Sizes of the writes the bytes are sent in (the rest goes in one last write). */
  writes: number[];
  bytes: Buffer;
}

export function encodeHttpInput(input: HttpInput): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify({ close: input.close, writes: input.writes }) + '\n'), input.bytes]);
}

export function decodeHttpInput(file: Buffer): HttpInput {
  const nl = file.indexOf(0x0a);
  const meta = JSON.parse(file.subarray(0, nl).toString('utf8')) as { close: HttpInput['close']; writes: number[] };
  return { close: meta.close === 'reset' ? 'reset' : 'end', writes: meta.writes, bytes: file.subarray(nl + 1) };
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

function chunked(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) out.push(latin1(p.length.toString(16) + '\r\n'), p, latin1('\r\n'));
  out.push(latin1('0\r\n\r\n'));
  return Buffer.concat(out);
}

/** Well-formed responses the mutations start from. */
export function httpTemplates(): Buffer[] {
  const body = seededBytes(11, 900);
  const zipped = gzipSync(seededBytes(12, 4000));
  const withLength = (head: string, b: Buffer): Buffer => Buffer.concat([latin1(`${head}Content-Length: ${b.length}\r\n\r\n`), b]);
  return [
    withLength('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n', body),
    Buffer.concat([latin1('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked([body.subarray(0, 300), body.subarray(300, 301), body.subarray(301)])]),
    withLength('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n', zipped),
    Buffer.concat([latin1('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked([zipped.subarray(0, 100), zipped.subarray(100)])]),
    Buffer.concat([latin1('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'), withLength('HTTP/1.1 200 OK\r\n', body.subarray(0, 50))]),
    Buffer.concat([latin1('HTTP/1.1 100 Continue\r\n\r\n'), withLength('HTTP/1.1 200 OK\r\n', body.subarray(0, 20))]),
    latin1('HTTP/1.1 204 No Content\r\nServer: fuzz\r\n\r\n'),
    latin1('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 1234\r\n\r\n'),
    Buffer.concat([latin1('HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n'), body]),
    withLength('HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n', latin1('moved')),
  ];
}

/** The head (up to the first blank line) and what follows. */
function headOf(bytes: Buffer): { head: string; rest: Buffer } {
  const end = bytes.indexOf('\r\n\r\n');
  const cut = end < 0 ? bytes.length : end + 4;
  return { head: bytes.toString('latin1', 0, cut), rest: bytes.subarray(cut) };
}

const STATUS_LINES = ['HTTP/1.1 999 Odd', 'HTTP/1.0 200', 'HTTP/2 200 OK', 'HTTP/1.1 abc OK', 'HTTP/1.1 200', 'ICY 200 OK', 'HTTP/1.1  200  OK', 'HTTP/1.1 000 Zero', 'HTTP/1.1 199 Interim', 'http/1.1 200 ok', '', 'HTTP/1.1 200 OK\x00', 'HTTP/1.1 2000 OK'];
const CHUNK_SIZES = ['ffffffffffffffff', '-1', '1;ext="x"', 'zz', '0', ' 5', '5 ', '00000000000000000000001', '7fffffff'];
const INTERIM = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </b.js>\r\n\r\n', 'HTTP/1.1 102 Processing\r\n\r\n', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n'];

const HTTP_MUTATIONS: Readonly<Record<string, Mutation>> = {
  statusLine: (bytes, rand) => {
    const { head, rest } = headOf(bytes);
    return Buffer.concat([latin1(head.replace(/^[^\r\n]*/, rand.pick(STATUS_LINES))), rest]);
  },
  chunkFraming: (bytes, rand) => {
    const text = bytes.toString('latin1');
    const sizes = [...text.matchAll(/\r\n([0-9a-f]+)\r\n/g)];
    if (sizes.length === 0) return latin1(text.replace('\r\n\r\n', '\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const m = rand.pick(sizes);
    const at = (m.index ?? 0) + 2;
    const replacement = rand.chance(0.2) ? '' : rand.pick(CHUNK_SIZES);
    return latin1(text.slice(0, at) + replacement + text.slice(at + (m[1] ?? '').length));
  },
  lengthConflict: (bytes, rand) => {
    const { head, rest } = headOf(bytes);
    const extra = rand.pick(['Content-Length: 3\r\n', 'Content-Length: 999999\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 5, 5\r\n', 'Transfer-Encoding: gzip, chunked\r\n', 'Content-Length: -1\r\n']);
    return Buffer.concat([latin1(head.replace('\r\n', '\r\n' + extra)), rest]);
  },
  bareLf: (bytes) => {
    const { head, rest } = headOf(bytes);
    return Buffer.concat([latin1(head.replace(/\r\n/g, '\n')), rest]);
  },
  hugeHeaders: (bytes, rand) => {
    const { head, rest } = headOf(bytes);
    const extra = rand.chance(0.5) ? `X-Big: ${'b'.repeat(1 + rand.below(300_000))}\r\n` : Array.from({ length: 1 + rand.below(3000) }, (_, i) => `X-H${i}: v\r\n`).join('');
    return Buffer.concat([latin1(head.replace('\r\n', '\r\n' + extra)), rest]);
  },
  interim: (bytes, rand) => Buffer.concat([latin1(Array.from({ length: 1 + rand.below(3) }, () => rand.pick(INTERIM)).join('')), bytes]),
  bodyDamage: (bytes, rand) => {
    const { head, rest } = headOf(bytes);
    const out = Buffer.from(rest);
    for (let n = 1 + rand.below(4); n > 0 && out.length > 0; n--) out[rand.below(out.length)] ^= 1 << rand.below(8);
    return Buffer.concat([latin1(head), rand.chance(0.3) ? out.subarray(0, rand.below(out.length + 1)) : out]);
  },
};

const HTTP_NAMES = Object.keys(HTTP_MUTATIONS);

export function makeHttpInput(rand: Random, templates: Buffer[]): { input: HttpInput; applied: string[] } {
  const base = rand.pick(templates);
  let bytes = base;
  const applied: string[] = [];
  for (let n = 1 + rand.below(2); n > 0; n--) {
    const name = rand.pick(HTTP_NAMES);
    bytes = (HTTP_MUTATIONS[name] as Mutation)(bytes, rand, base);
    applied.push(name);
  }
  if (rand.chance(0.25)) {
    const generic = mutate(bytes, rand, base);
    bytes = generic.bytes;
    applied.push(...generic.applied);
  }
  const early = rand.chance(0.15);
  if (early) {
    bytes = bytes.subarray(0, rand.below(bytes.length + 1));
    applied.push('earlyClose');
  }
  const writes = rand.chance(0.5) ? [] : Array.from({ length: 1 + rand.below(6) }, () => 1 + rand.below(64));
  return { input: { close: early && rand.chance(0.5) ? 'reset' : 'end', writes, bytes }, applied };
}
