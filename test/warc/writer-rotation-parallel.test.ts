/**
 * maxFileSize under concurrent writes (the crawler's normal case): every batch
 * is handed over at once with Promise.all. No file may pass maxFileSize, files
 * must not be needlessly small, and a batch never straddles two files.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WarcReader } from '../../src/warc/read/reader';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcWriter } from '../../src/warc/write/writer';
import { backend, tempDir } from '../helpers/warc-backend';
import { seededBytes } from '../helpers/warc-records';

/** One resource record per batch; `text` bodies compress well, the others do not at all. */
function batches(count: number, bodySize: number, text: boolean): WarcRecord[][] {
  return Array.from({ length: count }, (_, i) => [
    {
      type: 'resource',
      id: newRecordId(),
      date: new Date('2024-05-06T07:08:09.123Z'),
      targetUri: `http://example.com/blob/${i}`,
      contentType: 'application/octet-stream',
      block: seededBytes(1000 + i, bodySize, text),
    },
  ]);
}

interface Case {
  compression: 'gzip' | 'zstd' | 'none';
  writers: number;
  count: number;
  bodySize: number;
  max: number;
  text?: boolean;
}

const zstdCases: Case[] = backend.zstdAvailable
  ? [
      { compression: 'zstd', writers: 2, count: 40, bodySize: 10_000, max: 100_000, text: false },
      { compression: 'zstd', writers: 1, count: 60, bodySize: 10_000, max: 40_000, text: true },
    ]
  : [];

const cases: Case[] = [
  // The reviewer's cases.
  { compression: 'gzip', writers: 2, count: 40, bodySize: 10_000, max: 100_000, text: false },
  { compression: 'none', writers: 2, count: 40, bodySize: 10_000, max: 100_000, text: false },
  { compression: 'gzip', writers: 1, count: 40, bodySize: 10_000, max: 100_000, text: false },
  { compression: 'none', writers: 1, count: 40, bodySize: 10_000, max: 100_000, text: false },
  { compression: 'none', writers: 1, count: 10, bodySize: 300, max: 4000, text: false },
  { compression: 'gzip', writers: 2, count: 10, bodySize: 300, max: 4000, text: false },
  // Compressible bodies: the writer must fill files, not rotate on the uncompressed size.
  { compression: 'gzip', writers: 2, count: 60, bodySize: 10_000, max: 40_000, text: true },
  ...zstdCases,
];

describe(`maxFileSize with concurrent batches (backend ${backend.name})`, () => {
  const { dir: root, cleanup } = tempDir('rotpar');
  afterAll(cleanup);
  let n = 0;

  test.each(cases)('$compression, writers $writers, $count batches of $bodySize B (text: $text), max $max', async (c) => {
    const dir = join(root, String(n++));
    mkdirSync(dir);
    const writer = new WarcWriter({ directory: dir, compression: c.compression, maxFileSize: c.max, writers: c.writers, hostname: 'par' });
    const results = await Promise.all(batches(c.count, c.bodySize, c.text ?? false).map((b) => writer.write(b)));
    await writer.close();

    expect(readdirSync(dir).sort()).toEqual([...writer.filenames].sort());
    const sizes = writer.filenames.map((name) => statSync(join(dir, name)).size);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(c.max);
    const total = sizes.reduce((a, b) => a + b, 0);
    // Not needlessly small: at most about twice the minimum, plus one partly filled file per writer.
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(total / c.max));
    expect(sizes.length).toBeLessThanOrEqual(2 * Math.ceil(total / c.max) + c.writers);
    // Rotation happens only when the next batch might not fit: every file but the
    // last one of each writer is within one batch (header and worst-case
    // compression overhead included) of the limit.
    const batchRoom = Math.ceil(c.bodySize * 1.01) + 1024;
    const underfilled = sizes.filter((s) => s <= c.max - batchRoom);
    expect(underfilled.length).toBeLessThanOrEqual(c.writers);

    // Every record is in the file write() named, at the offset it named, after that file's warcinfo.
    let seen = 0;
    for (const name of writer.filenames) {
      let first = true;
      for await (const r of new WarcReader(join(dir, name))) {
        if (first) expect(r.type).toBe('warcinfo');
        first = false;
        if (r.type === 'warcinfo') continue;
        const id = r.get('WARC-Record-ID') ?? '';
        const written = results.find(([w]) => w.id === id)?.[0];
        expect(written?.filename).toBe(name);
        expect(r.offset).toBe(written?.offset);
        seen++;
      }
    }
    expect(seen).toBe(c.count);
  });
});
