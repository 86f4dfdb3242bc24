/**
 * Hand-built zstd frames (RFC 8878) made only of raw and RLE blocks, for
 * crafted-input tests: decompression bombs, huge declared content sizes,
 * frames a compressor would never write. No compressor is involved.
 */

export interface ZstdBlock {
  /** 'raw': `data` stored as is; 'rle': `byte` repeated `size` times (one stored byte). */
  type: 'raw' | 'rle';
  /** Regenerated size: at most 128 KiB and at most the window size (RFC 8878 Block_Maximum_Size). */
  size: number;
  /** RLE byte (default 0). */
  byte?: number;
  /** Raw content (default `size` zero bytes); its length must equal `size`. */
  data?: Uint8Array;
}

export interface ZstdFrameOptions {
  /** Frame_Content_Size to declare (any value up to 2^64-1, true or not); omitted when undefined. */
  contentSize?: number | bigint;
  /** Append the content checksum (low 32 bits of XXH64 of the content). Computed in BigInt: small frames only. */
  checksum?: boolean;
  /** Window_Log written in the window descriptor, 10..41 (default 17: a 128 KiB window, the largest block). */
  windowLog?: number;
}

export const ZSTD_MAGIC = 0xfd2fb528;
/** Largest regenerated size of one block (RFC 8878 Block_Maximum_Size with a window of 128 KiB or more). */
export const MAX_BLOCK_SIZE = 128 * 1024;

const BLOCK_RAW = 0;
const BLOCK_RLE = 1;

function checkedBlockSize(block: ZstdBlock): number {
  if (!Number.isInteger(block.size) || block.size < 0 || block.size >= 1 << 21) {
    throw new RangeError(`zstd block size ${block.size} does not fit the 21-bit Block_Size field`);
  }
  return block.size;
}

function blockHeader(type: number, size: number, last: boolean): Buffer {
  const value = (size << 3) | (type << 1) | (last ? 1 : 0);
  return Buffer.from([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff]);
}

function blockBytes(block: ZstdBlock, last: boolean): Buffer[] {
  const size = checkedBlockSize(block);
  if (block.type === 'rle') return [blockHeader(BLOCK_RLE, size, last), Buffer.from([block.byte ?? 0])];
  const data = block.data ?? new Uint8Array(size);
  if (data.byteLength !== size) throw new RangeError(`raw block data is ${data.byteLength} bytes, size says ${size}`);
  return [blockHeader(BLOCK_RAW, size, last), Buffer.from(data)];
}

/** Frame_Content_Size field: flag (FHD bits 7-6) and bytes, for a frame that is not single-segment. */
function contentSizeField(size: number | bigint): { flag: number; bytes: Buffer } {
  const value = BigInt(size);
  if (value < 0n || value >= 1n << 64n) throw new RangeError(`content size ${value} does not fit 64 bits`);
  if (value >= 256n && value < 256n + 65536n) {
    const bytes = Buffer.alloc(2);
    bytes.writeUInt16LE(Number(value - 256n));
    return { flag: 1, bytes };
  }
  if (value < 1n << 32n) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(Number(value));
    return { flag: 2, bytes };
  }
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return { flag: 3, bytes };
}

function frameHeader(options: ZstdFrameOptions): Buffer {
  const windowLog = options.windowLog ?? 17;
  if (!Number.isInteger(windowLog) || windowLog < 10 || windowLog > 41) throw new RangeError(`windowLog ${windowLog} is not in 10..41`);
  const fcs = options.contentSize === undefined ? undefined : contentSizeField(options.contentSize);
  const descriptor = ((fcs?.flag ?? 0) << 6) | (options.checksum ? 0x04 : 0);
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(ZSTD_MAGIC);
  // Window_Descriptor: exponent (windowLog - 10) in bits 7-3, mantissa 0.
  return Buffer.concat([magic, Buffer.from([descriptor, (windowLog - 10) << 3]), fcs?.bytes ?? Buffer.alloc(0)]);
}

/** The regenerated content of `blocks` (for the checksum). */
function blockContent(blocks: readonly ZstdBlock[]): Buffer {
  return Buffer.concat(blocks.map((b) => (b.type === 'rle' ? Buffer.alloc(b.size, b.byte ?? 0) : Buffer.from(b.data ?? new Uint8Array(b.size)))));
}

/** One zstd frame holding `blocks` in order; the last block is flagged Last_Block. */
export function zstdFrame(blocks: ZstdBlock[], options: ZstdFrameOptions = {}): Buffer {
  if (blocks.length === 0) throw new RangeError('a zstd frame needs at least one block');
  const parts: Buffer[] = [frameHeader(options)];
  blocks.forEach((block, i) => parts.push(...blockBytes(block, i === blocks.length - 1)));
  if (options.checksum) {
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(Number(xxh64(blockContent(blocks)) & 0xffffffffn));
    parts.push(trailer);
  }
  return Buffer.concat(parts);
}

/** One frame of RLE blocks of MAX_BLOCK_SIZE (the last one shorter) that decodes to `totalBytes` copies of `byte`. */
export function rleBomb(totalBytes: number, byte = 0): Buffer {
  if (!Number.isSafeInteger(totalBytes) || totalBytes <= 0) throw new RangeError(`rleBomb needs a positive size, got ${totalBytes}`);
  const blocks: ZstdBlock[] = [];
  for (let left = totalBytes; left > 0; left -= MAX_BLOCK_SIZE) blocks.push({ type: 'rle', size: Math.min(left, MAX_BLOCK_SIZE), byte });
  return zstdFrame(blocks);
}

/** A skippable frame (magic 0x184D2A5n) carrying `data`. */
export function skippableFrame(data: Uint8Array, nibble = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE((0x184d2a50 | (nibble & 0x0f)) >>> 0, 0);
  header.writeUInt32LE(data.byteLength, 4);
  return Buffer.concat([header, Buffer.from(data)]);
}

// XXH64 (seed 0), the hash behind the zstd content checksum. BigInt arithmetic: slow, fine for test-sized frames.
const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
const merge = (acc: bigint, v: bigint): bigint => ((((acc ^ round(0n, v)) * P1) & MASK) + P4) & MASK;

export function xxh64(input: Uint8Array): bigint {
  const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const length = data.length;
  let pos = 0;
  let h: bigint;
  if (length >= 32) {
    let v1 = (P1 + P2) & MASK;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & MASK;
    for (; pos + 32 <= length; pos += 32) {
      v1 = round(v1, data.readBigUInt64LE(pos));
      v2 = round(v2, data.readBigUInt64LE(pos + 8));
      v3 = round(v3, data.readBigUInt64LE(pos + 16));
      v4 = round(v4, data.readBigUInt64LE(pos + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(length)) & MASK;
  for (; pos + 8 <= length; pos += 8) h = (((rotl(h ^ round(0n, data.readBigUInt64LE(pos)), 27n) * P1) & MASK) + P4) & MASK;
  if (pos + 4 <= length) {
    h = (((rotl(h ^ ((BigInt(data.readUInt32LE(pos)) * P1) & MASK), 23n) * P2) & MASK) + P3) & MASK;
    pos += 4;
  }
  for (; pos < length; pos++) h = (rotl(h ^ ((BigInt(data[pos]!) * P5) & MASK), 11n) * P1) & MASK;
  h = ((h ^ (h >> 33n)) * P2) & MASK;
  h = ((h ^ (h >> 29n)) * P3) & MASK;
  return h ^ (h >> 32n);
}
