/**
 * `check` over a file whose one record is a decompression bomb (a zstd frame of
 * RLE blocks; a gzip member of one repeated byte) reads it in bounded pieces:
 * peak RSS stays far below the decoded size. The old readers took the whole
 * zstd frame from one decoder call (and ~64 MiB per 64 KiB of gzip input).
 */
import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { runTsChild } from '../helpers/backend-child';
import { expectRssGrowthBelow, zstdTest } from '../helpers/backend-tools';
import { backend, tempDir } from '../helpers/warc-backend';
import { MAX_BLOCK_SIZE, zstdFrame, type ZstdBlock } from '../helpers/zstd-frames';

const MiB = 1024 * 1024;
const BLOCK = 256 * MiB;

const header = (length: number) => Buffer.from(`WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:bomb>\r\nContent-Length: ${length}\r\n\r\n`);
const TRAILER = Buffer.from('\r\n\r\n');

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir('bomb');
});
afterAll(() => dir.cleanup());

interface Seen {
  records: Array<{ type: string; length?: number }>;
  issues: string[];
  maxRssGrowth: number;
}

async function check(file: string): Promise<Seen> {
  const run = await runTsChild(require.resolve('./read-bomb.child.ts'), {
    env: { WARCWIRE_BACKEND: backend.name, BOMB_FILE: file },
    timeoutMs: 60_000,
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Seen;
}

zstdTest(`a ${BLOCK / MiB} MiB zstd RLE record (${backend.name})`, async () => {
  const blocks: ZstdBlock[] = [{ type: 'raw', size: header(BLOCK).length, data: header(BLOCK) }];
  for (let left = BLOCK; left > 0; left -= MAX_BLOCK_SIZE) blocks.push({ type: 'rle', size: Math.min(left, MAX_BLOCK_SIZE), byte: 0x78 });
  blocks.push({ type: 'raw', size: TRAILER.length, data: TRAILER });
  const frame = zstdFrame(blocks);
  const file = join(dir.dir, 'bomb.warc.zst');
  writeFileSync(file, frame);
  const seen = await check(file);
  expect(seen.records).toEqual([{ type: 'resource', length: frame.length }]);
  expect(seen.issues).toEqual([]);
  expectRssGrowthBelow(seen.maxRssGrowth, 64 * MiB); // old readers: about 530 MiB
}, 90_000);

test(`a ${BLOCK / MiB} MiB gzip record of one byte (${backend.name})`, async () => {
  const file = join(dir.dir, 'bomb.warc.gz');
  const gzip = zlib.createGzip({ level: 9 });
  const out = createWriteStream(file);
  gzip.pipe(out);
  const slice = Buffer.alloc(MiB, 0x78);
  gzip.write(header(BLOCK));
  for (let i = 0; i < BLOCK / MiB; i++) if (!gzip.write(slice)) await once(gzip, 'drain');
  gzip.end(TRAILER);
  await once(out, 'close');
  const seen = await check(file);
  expect(seen.records).toEqual([{ type: 'resource', length: out.bytesWritten }]);
  expect(seen.issues).toEqual([]);
  expectRssGrowthBelow(seen.maxRssGrowth, 112 * MiB); // old readers: about 240-290 MiB
}, 90_000);
