/**
 * Hand-built zstd frames (RFC 8878) from raw and RLE blocks, for tests and the
 * fuzz harness: frames a compressor would never write (declared sizes that lie,
 * huge RLE output, bad checksums) are built byte by byte here.
 */

export interface ZstdBlock {
  type: 'raw' | 'rle';
  /** Decompressed size (raw: data length unless `data` is given; at most 128 KiB for a valid block). */
  size: number;
  /** RLE: the repeated byte; raw without `data`: the fill byte. Default 0. */
  byte?: number;
  /** Raw: the block's bytes (its length wins over `size`). */
  data?: Uint8Array;
}

export interface ZstdFrameOptions {
  /** Frame_Content_Size to declare (it need not match the blocks). */
  contentSize?: number | bigint;
  /** Append the XXH64-based content checksum. Default false. */
  checksum?: boolean;
  /** Window_Descriptor exponent, 10..41. Default 20. */
  windowLog?: number;
}

const MAGIC = 0xfd2fb528;
const MAX_BLOCK = 128 * 1024;

const MASK64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK64;
}

function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & MASK64, 31n) * P1) & MASK64;
}

function merge(acc: bigint, v: bigint): bigint {
  return ((((acc ^ round(0n, v)) * P1) & MASK64) + P4) & MASK64;
}

/** XXH64 with seed 0: zstd's Content_Checksum is its low 32 bits. */
export function xxh64(data: Uint8Array): bigint {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const len = buf.length;
  let at = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (P1 + P2) & MASK64;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & MASK64;
    for (; at + 32 <= len; at += 32) {
      v1 = round(v1, buf.readBigUInt64LE(at));
      v2 = round(v2, buf.readBigUInt64LE(at + 8));
      v3 = round(v3, buf.readBigUInt64LE(at + 16));
      v4 = round(v4, buf.readBigUInt64LE(at + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK64;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(len)) & MASK64;
  for (; at + 8 <= len; at += 8) h = ((rotl(h ^ round(0n, buf.readBigUInt64LE(at)), 27n) * P1) & MASK64) + P4 & MASK64;
  for (; at + 4 <= len; at += 4) h = ((rotl(h ^ ((BigInt(buf.readUInt32LE(at)) * P1) & MASK64), 23n) * P2) & MASK64) + P3 & MASK64;
  for (; at < len; at++) h = (rotl(h ^ ((BigInt(buf[at]) * P5) & MASK64), 11n) * P1) & MASK64;
  h = ((h ^ (h >> 33n)) * P2) & MASK64;
  h = ((h ^ (h >> 29n)) * P3) & MASK64;
  return h ^ (h >> 32n);
}

function blockContent(block: ZstdBlock): Buffer {
  if (block.type === 'rle') return Buffer.alloc(block.size, block.byte ?? 0);
  return block.data ? Buffer.from(block.data) : Buffer.alloc(block.size, block.byte ?? 0);
}

/** One zstd frame of the given blocks; the last one is flagged Last_Block. */
export function zstdFrame(blocks: ZstdBlock[], options: ZstdFrameOptions = {}): Buffer {
  const checksum = options.checksum ?? false;
  const hasSize = options.contentSize !== undefined;
  // FCS_Flag 3 (8-byte size) when a size is declared; never Single_Segment, so the window descriptor is always there.
  const descriptor = (hasSize ? 0xc0 : 0) | (checksum ? 0x04 : 0);
  const windowLog = options.windowLog ?? 20;
  const head = [Buffer.alloc(4), Buffer.from([descriptor, (windowLog - 10) << 3])];
  head[0].writeUInt32LE(MAGIC, 0);
  if (hasSize) {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(options.contentSize as number | bigint), 0);
    head.push(size);
  }
  const parts: Buffer[] = [...head];
  const content: Buffer[] = [];
  const list = blocks.length > 0 ? blocks : [{ type: 'raw' as const, size: 0 }];
  list.forEach((block, i) => {
    const bytes = blockContent(block);
    const size = block.type === 'rle' ? block.size : bytes.length;
    const header = ((size << 3) | ((block.type === 'rle' ? 1 : 0) << 1) | (i === list.length - 1 ? 1 : 0)) >>> 0;
    parts.push(Buffer.from([header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff]));
    parts.push(block.type === 'rle' ? Buffer.from([block.byte ?? 0]) : bytes);
    if (checksum) content.push(bytes);
  });
  if (checksum) {
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(Number(xxh64(Buffer.concat(content)) & 0xffffffffn), 0);
    parts.push(sum);
  }
  return Buffer.concat(parts);
}

/** One frame of 128 KiB RLE blocks (4 bytes each on disk) that decodes to `totalBytes`. */
export function rleBomb(totalBytes: number, byte = 0): Buffer {
  const blocks: ZstdBlock[] = [];
  for (let left = totalBytes; left > 0; left -= MAX_BLOCK) blocks.push({ type: 'rle', size: Math.min(MAX_BLOCK, left), byte });
  return zstdFrame(blocks);
}
