/**
 * The fuzzer's inputs are a function of the seed: the writer seeds come out
 * byte-identical on every run (fixed ids and dates, the writer's own warcinfo
 * left out), and input N under seed S is the same every time, different
 * under another seed.
 */
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { httpTemplates } from '../../fuzz/http-input';
import { httpInput, readerInput } from '../../fuzz/inputs';
import { writerSeeds, zstdSeeds } from '../../fuzz/reader-seeds';
import { WarcReader } from '../../src/warc/read/reader';
import { backend } from '../helpers/warc-backend';

test('writer seeds are byte-identical run to run and read back whole', async () => {
  const first = await writerSeeds(backend, undefined);
  const second = await writerSeeds(backend, undefined);
  expect(first.seeds.map((s) => s.name)).toEqual(second.seeds.map((s) => s.name));
  first.seeds.forEach((s, i) => expect(s.bytes.equals((second.seeds[i] as { bytes: Buffer }).bytes)).toBe(true));
  const gzip = first.seeds.find((s) => s.name.endsWith('.gz')) as { bytes: Buffer };
  // Read from the plain bytes (node:zlib decodes), so the reader's own gzip handling is not what is tested.
  const types: string[] = [];
  for await (const record of new WarcReader(Readable.from([gunzipSync(gzip.bytes)]), { strict: true, backend })) types.push(record.type);
  expect(types).toEqual(['warcinfo', 'response', 'request', 'response', 'request', 'resource', 'metadata']);
});

test('input N under a seed is the same every time, and another seed gives other inputs', () => {
  const seeds = zstdSeeds();
  const templates = httpTemplates();
  for (let index = 0; index < 50; index++) {
    expect(readerInput(seeds, 7, index).bytes.equals(readerInput(seeds, 7, index).bytes)).toBe(true);
    expect(httpInput(templates, 7, index).bytes.equals(httpInput(templates, 7, index).bytes)).toBe(true);
  }
  const differ = Array.from({ length: 50 }, (_, i) => !readerInput(seeds, 7, i).bytes.equals(readerInput(seeds, 8, i).bytes)).filter(Boolean).length;
  expect(differ).toBeGreaterThan(40);
});
