/**
 * One thread-pool budget for the process: four sinks compressing 200 MB of gzip at once
 * must leave libuv pool threads free, so `fs.readFile` and `dns.lookup` (both run on that
 * pool) still answer promptly. Each record is larger than the size the sinks compress
 * ahead, so it streams through its sink's writer: one long pool job per sink, which
 * without a budget holds all four of libuv's threads for seconds.
 */
import { promises as dns } from 'node:dns';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RecordSink } from '../../src/backend/types';
import { backendUnderTest, makeTempDir, removeDir, textBytes } from '../helpers/backend-tools';

const backend = backendUnderTest();
const WRITERS = 4;
const RECORD_BYTES = 50 * 1024 * 1024; // 4 x 50 MB = 200 MB
// Generous: with the budget the probe takes milliseconds; without it, seconds (it waits for a writer).
const PROMPT_MS = 1000;

let dir: string;
beforeEach(() => {
  dir = makeTempDir('budget');
});
afterEach(() => removeDir(dir));

/** Milliseconds for a small file read and a localhost lookup, run together. */
async function probe(file: string): Promise<number> {
  const start = performance.now();
  await Promise.all([fsp.readFile(file), dns.lookup('localhost')]);
  return performance.now() - start;
}

test(`${WRITERS} sinks compressing 200 MB leave the pool free for fs and dns.lookup`, async () => {
  const small = path.join(dir, 'small.txt');
  await fsp.writeFile(small, 'a small file\n');
  await probe(small); // warm: the first lookup reads /etc/hosts, the first read opens caches
  const baseline = Math.max(await probe(small), await probe(small));
  // Text-like bytes: gzip level 6 spends real time on them (incompressible bytes would be stored fast).
  const block = Buffer.concat(Array.from({ length: RECORD_BYTES / (1024 * 1024) }, () => textBytes(1024 * 1024, 7)));
  const header = Buffer.from(`WARC/1.1\r\nContent-Length: ${block.length}\r\n\r\n`);
  const sinks: RecordSink[] = [];
  for (let i = 0; i < WRITERS; i++) sinks.push(await backend.openRecordSink(path.join(dir, `w${i}.warc.gz`), { compression: 'gzip', level: 6 }));
  let settled = 0;
  const appends = sinks.map((sink) => sink.append(header, block).finally(() => settled++));
  // Let the compression reach the pool before measuring.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const during = await probe(small);
  const settledAtProbe = settled;
  const results = await Promise.all(appends);
  await Promise.all(sinks.map((sink) => sink.close()));
  // The probe ran while the compression was still going, or it proves nothing.
  expect(settledAtProbe).toBeLessThan(WRITERS);
  expect(results.every((r) => r.length > 0)).toBe(true);
  expect(during).toBeLessThan(PROMPT_MS + 10 * baseline);
}, 120_000);
