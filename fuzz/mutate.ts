/**
 * Byte-level mutations: each takes an input and returns a changed copy. Generic
 * ones (bit flips, inserts, deletes, splices, truncation, interesting values)
 * work on any format; text ones (digits, length fields, header lines) aim at
 * WARC and HTTP heads where they are readable.
 */
import type { Random } from './random';

export type Mutation = (data: Buffer, rand: Random, donor: Buffer) => Buffer;

const INTERESTING_BYTES = [0x00, 0x01, 0x0a, 0x0d, 0x20, 0x3a, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x1ffff, 0x20000];
const INTERESTING_NUMBERS = ['0', '1', '-1', '00', '+5', '4294967295', '4294967296', '9007199254740993', '18446744073709551616', '99999999999999999999999', '0x10', '1e9', ' 7', '', '2147483648'];

const spot = (data: Buffer, rand: Random): number => rand.below(data.length + 1);

function splice(data: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  return Buffer.concat([data.subarray(0, at), insert, data.subarray(Math.min(data.length, at + remove))]);
}

const bitFlips: Mutation = (data, rand) => {
  const out = Buffer.from(data);
  if (out.length === 0) return out;
  for (let n = 1 + rand.below(8); n > 0; n--) out[rand.below(out.length)] ^= 1 << rand.below(8);
  return out;
};

const interestingByte: Mutation = (data, rand) => {
  const out = Buffer.from(data);
  if (out.length > 0) out[rand.below(out.length)] = rand.pick(INTERESTING_BYTES);
  return out;
};

const insertBytes: Mutation = (data, rand) => {
  // Now and then a long run: tens of KiB without a line end is what line scanners choke on.
  const n = 1 + rand.below(rand.chance(0.03) ? 65536 : rand.chance(0.1) ? 4096 : 64);
  const fill = rand.chance(0.5) ? Buffer.alloc(n, rand.pick(INTERESTING_BYTES)) : Buffer.from(Array.from({ length: n }, () => rand.below(256)));
  return splice(data, spot(data, rand), 0, fill);
};

const deleteBytes: Mutation = (data, rand) => {
  const at = spot(data, rand);
  return splice(data, at, 1 + rand.below(Math.max(1, (data.length - at) >> 2)), Buffer.alloc(0));
};

/** Copies a chunk of the input (or of another seed) somewhere: duplicates records, members, lines. */
const spliceChunk: Mutation = (data, rand, donor) => {
  const from = rand.chance(0.5) || donor.length === 0 ? data : donor;
  const a = rand.below(from.length + 1);
  const b = Math.min(from.length, a + 1 + rand.below(Math.max(1, from.length - a)));
  return splice(data, spot(data, rand), rand.chance(0.3) ? rand.below(64) : 0, Buffer.from(from.subarray(a, b)));
};

const truncate: Mutation = (data, rand) => data.subarray(0, rand.below(data.length + 1));

/** An interesting 16/32-bit value, either byte order, at any offset: binary length fields (gzip ISIZE, zstd block headers). */
const binaryField: Mutation = (data, rand) => {
  const out = Buffer.from(data);
  const width = rand.chance(0.5) ? 4 : 2;
  if (out.length < width) return out;
  const at = rand.below(out.length - width + 1);
  const value = rand.pick(INTERESTING_U32) & (width === 4 ? 0xffffffff : 0xffff);
  if (width === 4) (rand.chance(0.5) ? out.writeUInt32LE(value >>> 0, at) : out.writeUInt32BE(value >>> 0, at));
  else (rand.chance(0.5) ? out.writeUInt16LE(value, at) : out.writeUInt16BE(value, at));
  return out;
};

/** Every match of `pattern` (global) in the latin1 view, as [start, end] pairs. */
function matches(data: Buffer, pattern: RegExp): Array<[number, number]> {
  const text = data.toString('latin1');
  const found: Array<[number, number]> = [];
  for (const m of text.matchAll(pattern)) if (m.index !== undefined) found.push([m.index, m.index + m[0].length]);
  return found;
}

/** The first `max` lines (each with its line end) as [start, end] pairs; a linear scan, whatever the input. */
function lineSpans(data: Buffer, max: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let at = 0; spans.length < max; ) {
    const nl = data.indexOf(0x0a, at);
    if (nl < 0) break;
    spans.push([at, nl + 1]);
    at = nl + 1;
  }
  return spans;
}

/** A run of digits becomes an interesting number or moves by a little. */
const digits: Mutation = (data, rand) => {
  const runs = matches(data, /\d+/g);
  if (runs.length === 0) return data;
  const [a, b] = rand.pick(runs);
  const old = Number(data.toString('latin1', a, b));
  const text = rand.chance(0.5) ? rand.pick(INTERESTING_NUMBERS) : String(Math.max(0, old + rand.below(9) - 4));
  return splice(data, a, b - a, Buffer.from(text, 'latin1'));
};

/** The value of a length-bearing header (Content-Length, chunk sizes' header neighbours) is replaced. */
const lengthHeader: Mutation = (data, rand) => {
  const fields = matches(data, /(content-length|transfer-encoding|content-encoding|warc-segment-number|warc-truncated)[ \t]*:[^\r\n]*/gi);
  if (fields.length === 0) return digits(data, rand, data);
  const [a, b] = rand.pick(fields);
  const name = data.toString('latin1', a, b).split(':')[0];
  const value = rand.pick([...INTERESTING_NUMBERS, 'chunked', 'gzip', 'chunked, chunked', 'identity', '12, 12', '5\r\nContent-Length: 7']);
  return splice(data, a, b - a, Buffer.from(`${name}: ${value}`, 'latin1'));
};

/** Header-line surgery: delete, duplicate, fold, strip CR, add a malformed or very long line. */
const headerLine: Mutation = (data, rand) => {
  const lines = lineSpans(data, 400);
  if (lines.length === 0) return insertBytes(data, rand, data);
  const [a, b] = rand.pick(lines);
  const line = data.subarray(a, b);
  switch (rand.below(7)) {
    case 0:
      return splice(data, a, b - a, Buffer.alloc(0));
    case 1:
      return splice(data, a, 0, Buffer.from(line));
    case 2:
      return splice(data, a, 0, Buffer.from(' folded continuation\r\n', 'latin1'));
    case 3:
      return splice(data, a, b - a, Buffer.from(line.toString('latin1').replace(/\r\n$/, '\n'), 'latin1'));
    case 4:
      return splice(data, a, 0, Buffer.from('no colon on this line\r\n', 'latin1'));
    case 5:
      return splice(data, a, 0, Buffer.concat([Buffer.from('X-Long: ', 'latin1'), Buffer.alloc(1 + rand.below(80_000), 0x61), Buffer.from('\r\n')]));
    default:
      // Bare LF everywhere.
      return Buffer.from(data.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  }
};

export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  bitFlips,
  interestingByte,
  insertBytes,
  deleteBytes,
  spliceChunk,
  truncate,
  binaryField,
  digits,
  lengthHeader,
  headerLine,
};

const NAMES = Object.keys(MUTATIONS);

/** One to four stacked mutations; returns the bytes and the names applied (for the report). */
export function mutate(data: Buffer, rand: Random, donor: Buffer): { bytes: Buffer; applied: string[] } {
  let bytes = data;
  const applied: string[] = [];
  for (let n = 1 + (rand.chance(0.5) ? 0 : rand.below(4)); n > 0; n--) {
    const name = rand.pick(NAMES);
    bytes = (MUTATIONS[name] as Mutation)(bytes, rand, donor);
    applied.push(name);
  }
  return { bytes, applied };
}
