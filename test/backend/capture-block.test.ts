/**
 * A capture block (spool + block digest + payload digest in one call per chunk) keeps the same
 * bytes and gives the same digests as node:crypto over the same bytes, however the chunks are
 * cut and wherever the payload ranges fall; in RAM or on disk; and a record sink takes it as a block.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import type { CaptureBlock, DigestAlgorithm } from '../../src/backend/types';
import { formatDigestLabel } from '../../src/digest/label';
import { seededRandom } from '../../src/proxy/seeded-random';
import { backendUnderTest, makeTempDir, removeDir, seededBytes } from '../helpers/backend-tools';

const backend = backendUnderTest();

let dir: string;
beforeEach(() => (dir = makeTempDir('capture-block')));
afterEach(() => removeDir(dir));

const label = (algorithm: DigestAlgorithm, bytes: Uint8Array, encoding: 'base32' | 'base16') =>
  formatDigestLabel(algorithm, createHash(algorithm).update(bytes).digest(), encoding);

/**
 * Feeds `bytes` to `block` in random chunks with random payload ranges inside each; returns the
 * payload bytes those ranges marked, in order (what the payload digest must cover).
 */
function feedRandomly(block: CaptureBlock, bytes: Buffer, seed: number): Buffer {
  const random = seededRandom(seed);
  const payload: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = Math.min(bytes.length - at, 1 + Math.floor(random() * (random() < 0.2 ? 70_000 : 300)));
    const chunk = bytes.subarray(at, at + size);
    // Cut points in the chunk, ascending; every other gap is payload (some may be empty).
    const cuts = Array.from({ length: Math.floor(random() * 6) * 2 }, () => Math.floor(random() * (size + 1))).sort((a, b) => a - b);
    for (let i = 0; i < cuts.length; i += 2) payload.push(chunk.subarray(cuts[i], cuts[i + 1]));
    block.append(chunk, cuts.length > 0 ? cuts : undefined);
    at += size;
  }
  return Buffer.concat(payload);
}

describe(`capture block (${backend.name} backend)`, () => {
  test.each([
    ['sha1', 1 << 20],
    ['sha256', 1 << 20],
    ['sha1', 0], // on disk from the first byte
  ] as const)('%s digests equal node:crypto over random splits and payload ranges (memoryLimit %d)', (algorithm, memoryLimit) => {
    const bytes = seededBytes(300_000, 7);
    for (const seed of [1, 2, 3, 4, 5]) {
      const block = backend.createCaptureBlock({ digestAlgorithm: algorithm, spool: { memoryLimit, tempDir: dir } });
      const payload = feedRandomly(block, bytes, seed);
      expect(block.size).toBe(bytes.length);
      expect(block.onDisk).toBe(memoryLimit === 0);
      expect(block.read(0, bytes.length).equals(bytes)).toBe(true);
      for (const encoding of ['base32', 'base16'] as const) {
        expect(block.blockDigest(encoding)).toBe(label(algorithm, bytes, encoding));
        expect(block.payloadDigest(encoding)).toBe(label(algorithm, payload, encoding));
      }
      // The default encoding is Digest.label()'s.
      const digest = backend.createDigest(algorithm);
      digest.update(bytes);
      expect(block.blockDigest()).toBe(digest.label());
      block.close();
    }
  });

  test('the digests can be read while bytes still come; after stopPayload() the payload digest is undefined', () => {
    const block = backend.createCaptureBlock({ digestAlgorithm: 'sha1', spool: { tempDir: dir } });
    block.append(Buffer.from('HEAD\r\n\r\nbody'), [8, 12]);
    expect(block.blockDigest()).toBe(label('sha1', Buffer.from('HEAD\r\n\r\nbody'), 'base32'));
    expect(block.payloadDigest()).toBe(label('sha1', Buffer.from('body'), 'base32'));
    block.append(Buffer.from('more'), [0, 4]);
    expect(block.payloadDigest()).toBe(label('sha1', Buffer.from('bodymore'), 'base32'));
    block.stopPayload();
    block.append(Buffer.from('cut'), [0, 3]);
    expect(block.payloadDigest()).toBeUndefined();
    expect(block.blockDigest('base16')).toBe(label('sha1', Buffer.from('HEAD\r\n\r\nbodymorecut'), 'base16'));
    expect(block.read(0, 100).toString()).toBe('HEAD\r\n\r\nbodymorecut');
    block.close();
  });

  test('a bad range is ERR_INVALID_ARG and appends nothing', () => {
    const block = backend.createCaptureBlock({ digestAlgorithm: 'sha256', spool: { tempDir: dir } });
    block.append(Buffer.from('kept'), [0, 4]);
    const bad: unknown[] = [[0], [3, 1], [0, 6], [-1, 2], [0.5, 2], [Number.NaN, 1], [0, 2, 1, 3], ['0', '2'], { length: 2 }, 'x', null];
    for (const ranges of bad) {
      let thrown: unknown;
      try {
        block.append(Buffer.from('abcde'), ranges as number[]);
      } catch (err) {
        thrown = err;
      }
      expect({ ranges, thrown }).toEqual({ ranges, thrown: expect.any(BackendError) });
      expect((thrown as BackendError).code).toBe('ERR_INVALID_ARG');
    }
    expect(block.size).toBe(4);
    expect(block.blockDigest()).toBe(label('sha256', Buffer.from('kept'), 'base16'));
    expect(block.payloadDigest()).toBe(label('sha256', Buffer.from('kept'), 'base16'));
    block.close();
  });

  test('bad options: ERR_INVALID_OPTION; append after close(): ERR_SPOOL_CLOSED', () => {
    expect(() => backend.createCaptureBlock(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => backend.createCaptureBlock({ digestAlgorithm: 'md5' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    const block = backend.createCaptureBlock({ digestAlgorithm: 'sha1', spool: { tempDir: dir } });
    block.close();
    expect(() => block.append(Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'ERR_SPOOL_CLOSED' }));
  });

  test('a record sink takes a capture block as a block, like a spool', async () => {
    const file = path.join(dir, 'out.warc.gz');
    const sink = await backend.openRecordSink(file, { compression: 'gzip' });
    const bytes = seededBytes(2_000_000, 3);
    const blocks = [0, 1 << 30].map((memoryLimit) => backend.createCaptureBlock({ digestAlgorithm: 'sha1', spool: { memoryLimit, tempDir: dir } }));
    for (const block of blocks) feedRandomly(block, bytes, 9);
    for (const block of blocks) await sink.append(Buffer.from('WARC/1.1\r\n\r\n'), block);
    await sink.close();
    for (const block of blocks) block.close();
    const record = Buffer.concat([Buffer.from('WARC/1.1\r\n\r\n'), bytes, Buffer.from('\r\n\r\n')]);
    expect(zlib.gunzipSync(fs.readFileSync(file)).equals(Buffer.concat([record, record]))).toBe(true);
  });
});
