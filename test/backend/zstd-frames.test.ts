/** The hand-built zstd frame helper writes frames the real `zstd` CLI decodes to the intended content. */
import { execFileSync } from 'node:child_process';
import { MAX_BLOCK_SIZE, rleBomb, skippableFrame, xxh64, zstdFrame } from '../helpers/zstd-frames';

function unzstd(frame: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-dc'], { input: frame, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'ignore'] });
}

describe('test/helpers/zstd-frames', () => {
  test('xxh64 matches the published test vectors', () => {
    expect(xxh64(Buffer.alloc(0)).toString(16)).toBe('ef46db3751d8e999');
    expect(xxh64(Buffer.from('abc')).toString(16)).toBe('44bc2cf5ad770999');
  });

  test('raw and RLE blocks with checksum and content size decode with zstd -d', () => {
    const raw = Buffer.from('x'.repeat(300) + 'tail of a raw block');
    const frame = zstdFrame(
      [
        { type: 'raw', size: raw.length, data: raw },
        { type: 'rle', size: 70_000, byte: 0x41 },
      ],
      { checksum: true, contentSize: raw.length + 70_000 },
    );
    expect(unzstd(frame).equals(Buffer.concat([raw, Buffer.alloc(70_000, 0x41)]))).toBe(true);
  });

  test('a wrong checksum is refused by zstd -d (the checksum really is checked)', () => {
    const frame = zstdFrame([{ type: 'rle', size: 10, byte: 1 }], { checksum: true });
    frame[frame.length - 1] ^= 0xff;
    expect(() => unzstd(frame)).toThrow();
  });

  test('rleBomb: 4 bytes per 128 KiB block, content as asked', () => {
    const total = 3 * MAX_BLOCK_SIZE + 5;
    const bomb = rleBomb(total, 0x78);
    expect(bomb.length).toBe(6 + 4 * 4);
    expect(unzstd(bomb).equals(Buffer.alloc(total, 0x78))).toBe(true);
  });

  test('a huge declared content size is written into an 8-byte field', () => {
    const frame = zstdFrame([{ type: 'rle', size: 1, byte: 0 }], { contentSize: 1n << 62n });
    expect(frame[4]! >> 6).toBe(3);
    expect(frame.readBigUInt64LE(6)).toBe(1n << 62n);
    expect(() => unzstd(frame)).toThrow(); // one byte of content contradicts the declared size
  });

  test('skippable frames decode to nothing', () => {
    expect(unzstd(Buffer.concat([skippableFrame(Buffer.from('meta')), zstdFrame([{ type: 'rle', size: 3, byte: 0x62 }])])).toString()).toBe('bbb');
  });
});
