/**
 * Decompression bombs do bounded work per call: no write() returns more than
 * MAX_DECODE_OUTPUT, pending output is drained by further calls, and a reader
 * draining a bomb keeps its memory flat (measured in a child process).
 */
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import { MAX_DECODE_OUTPUT, type MemberDecoder } from '../../src/backend/types';
import { runTsChild } from '../helpers/backend-child';
import { decodeMembers } from '../helpers/backend-decode';
import { backendUnderTest, expectRssGrowthBelow, zstdTest } from '../helpers/backend-tools';
import { rleBomb, zstdFrame } from '../helpers/zstd-frames';

const backend = backendUnderTest();
const MiB = 1024 * 1024;

function decodeError(decoder: MemberDecoder, data: Buffer): BackendError {
  let error: unknown;
  try {
    decodeMembers(decoder, data, data.length);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(BackendError);
  expect((error as BackendError).code).toBe('ERR_DECODE');
  return error as BackendError;
}

describe(`MemberDecoder output bound (${backend.name} backend)`, () => {
  zstdTest('a zstd RLE frame of 24 MiB comes out in pieces of at most 1 MiB, whole and in order', () => {
    const second = zstdFrame([{ type: 'raw', size: 5, data: Buffer.from('after') }]);
    const input = Buffer.concat([rleBomb(24 * MiB + 3, 0x41), second]);
    const decoder = backend.createMemberDecoder({ compression: 'zstd' });
    try {
      const result = decodeMembers(decoder, input, input.length); // all of it in one write()
      expect(result.maxStepOutput).toBe(MAX_DECODE_OUTPUT);
      expect(result.members.map((m) => m.length)).toEqual([24 * MiB + 3, 5]);
      expect(result.members[0]!.equals(Buffer.alloc(24 * MiB + 3, 0x41))).toBe(true);
      expect(result.members[1]!.toString()).toBe('after');
      expect(result.ends).toEqual([input.length - second.length, input.length]);
    } finally {
      decoder.close();
    }
  });

  test('a gzip member of 24 MiB of one byte comes out in pieces of at most 1 MiB', () => {
    const plain = Buffer.alloc(24 * MiB, 0x41);
    const input = Buffer.concat([zlib.gzipSync(plain, { level: 9 }), zlib.gzipSync(Buffer.from('after'))]);
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    try {
      for (const chunkSize of [input.length, 4096]) {
        const result = decodeMembers(decoder, input, chunkSize);
        expect(result.maxStepOutput).toBeLessThanOrEqual(MAX_DECODE_OUTPUT);
        expect(result.members.length).toBe(2);
        expect(result.members[0]!.equals(plain)).toBe(true);
        expect(result.members[1]!.toString()).toBe('after');
      }
    } finally {
      decoder.close();
    }
  });

  test('empty input with nothing pending is a no-op step', () => {
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    try {
      expect(decoder.write(Buffer.alloc(0))).toEqual({ output: Buffer.alloc(0), consumed: 0, memberEnd: false, pending: false });
    } finally {
      decoder.close();
    }
  });

  zstdTest('a huge declared content size is refused as corrupt, not allocated', () => {
    const decoder = backend.createMemberDecoder({ compression: 'zstd' });
    try {
      const declared = zstdFrame([{ type: 'rle', size: 10, byte: 1 }], { contentSize: 1n << 60n });
      decodeError(decoder, declared);
      decoder.reset();
      // A window of 2^41 bytes is beyond the documented 128 MiB limit.
      const wide = zstdFrame([{ type: 'rle', size: 10, byte: 1 }], { windowLog: 41, contentSize: 10 });
      expect(decodeError(decoder, wide).message).toMatch(/memory|window/i);
    } finally {
      decoder.close();
    }
  });

  const bomb = (kind: 'zstd' | 'gzip', bytes: number) =>
    runTsChild(require.resolve('./children/decode-bomb.ts'), {
      env: { BOMB_KIND: kind, BOMB_BYTES: String(bytes), WARCWIRE_BACKEND: backend.name },
      timeoutMs: 60_000,
    });

  interface BombRun {
    inputBytes: number;
    total: number;
    largest: number;
    calls: number;
    maxRssGrowth: number;
  }
  async function drainBomb(kind: 'zstd' | 'gzip', bytes: number): Promise<BombRun> {
    const run = await bomb(kind, bytes);
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as BombRun;
    expect(seen.total).toBe(bytes);
    expect(seen.largest).toBeLessThanOrEqual(MAX_DECODE_OUTPUT);
    expect(seen.calls).toBeGreaterThanOrEqual(bytes / MAX_DECODE_OUTPUT);
    return seen;
  }

  // The old decoders returned the whole output from one call: RSS grew by the output size.
  zstdTest('a 512 MiB zstd RLE bomb (16 KiB of input) drains with flat memory', async () => {
    const seen = await drainBomb('zstd', 512 * MiB);
    expect(seen.inputBytes).toBeLessThan(32 * 1024);
    expectRssGrowthBelow(seen.maxRssGrowth, 128 * MiB);
  }, 90_000);

  // Garbage collection lags behind the 1 MiB steps (50-80 MiB of growth seen): the bound is loose, the old growth was all of it.
  test('a 256 MiB gzip bomb (255 KiB of input) drains with memory well below its size', async () => {
    const seen = await drainBomb('gzip', 256 * MiB);
    expect(seen.inputBytes).toBeLessThan(300 * 1024);
    expectRssGrowthBelow(seen.maxRssGrowth, 128 * MiB);
  }, 90_000);
});
