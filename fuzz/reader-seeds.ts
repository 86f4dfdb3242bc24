/**
 * The inputs the reader targets start from: the conformance fixtures, files
 * the warcwire writer produces (gzip, zstd, zstd with a dictionary, none) and
 * hand-built zstd frames. Every seed is bytes plus a name; generated ones are
 * the same on every run (fixed record ids and dates, no writer warcinfo), so a
 * `--seed` replays exactly.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Backend } from '../src/backend/types';
import { DICTIONARY_FRAME_MAGIC } from '../src/warc/dictionary';
import type { WarcRecord } from '../src/warc/record';
import { WarcWriter, type WarcWriterOptions } from '../src/warc/write/writer';
import { httpChunkedResponse, httpRequest, httpResponse, seededBytes } from '../test/helpers/warc-records';
import { rleBomb, zstdFrame, type ZstdBlock } from '../test/helpers/zstd-frames';
import type { Random } from './random';

export interface Seed {
  name: string;
  bytes: Buffer;
  /** Relative chance of being picked (default 1): seeds that are slow to run by design get less. */
  weight?: number;
}

/** A seed picked by weight. */
export function pickSeed(seeds: readonly Seed[], rand: Random): Seed {
  const total = seeds.reduce((sum, s) => sum + (s.weight ?? 1), 0);
  let at = rand.next() * total;
  for (const seed of seeds) {
    at -= seed.weight ?? 1;
    if (at < 0) return seed;
  }
  return seeds[seeds.length - 1] as Seed;
}

const DATE = '2024-05-06T07:08:09.123Z';
const fixedId = (n: number): string => `<urn:uuid:00000000-0000-4000-8000-${n.toString().padStart(12, '0')}>`;

/** Where the conformance fixtures are: $WARCWIRE_FIXTURES, else `../shared/fixtures` beside the checkout. */
export function fixturesDir(root: string): string {
  return process.env['WARCWIRE_FIXTURES'] ?? join(root, '..', 'shared', 'fixtures');
}

/** The fixture WARC files, plus a plain copy of each gzip one (text mutations then hit readable bytes). */
export function fixtureSeeds(dir: string): Seed[] {
  const warcDir = join(dir, 'warc');
  if (!existsSync(warcDir)) return [];
  const seeds: Seed[] = [];
  for (const name of readdirSync(warcDir).sort()) {
    if (!/\.warc(\.gz)?(\.open)?$/.test(name)) continue;
    const bytes = readFileSync(join(warcDir, name));
    seeds.push({ name: `fixture-${name}`, bytes });
    if (name.includes('.gz')) {
      try {
        seeds.push({ name: `fixture-${name.replace('.gz', '')}-gunzipped`, bytes: gunzipSync(bytes) });
      } catch {
        // A fixture that is damaged on purpose has no plain copy.
      }
    }
  }
  return seeds;
}

/** The zstd dictionary among the fixtures (gowarc's), for the zstd+dictionary writer seed. */
export function fixtureDictionary(dir: string): Buffer | undefined {
  const path = join(dir, 'warc', 'gowarc--zstd-dictionary.bin');
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** The records every writer seed holds: our own warcinfo, HTTP pairs (plain, chunked), a resource, a metadata record. */
function sampleRecords(): WarcRecord[] {
  const url = 'http://example.com/page?b=2&a=1';
  const http = (id: number, block: Buffer): WarcRecord => ({
    type: 'response',
    id: fixedId(id),
    date: DATE,
    targetUri: url,
    contentType: 'application/http; msgtype=response',
    fields: [['WARC-Concurrent-To', fixedId(id + 1)], ['WARC-IP-Address', '127.0.0.1']],
    block,
  });
  const request = (id: number): WarcRecord => ({
    type: 'request',
    id: fixedId(id),
    date: DATE,
    targetUri: url,
    contentType: 'application/http; msgtype=request',
    fields: [['WARC-Concurrent-To', fixedId(id - 1)]],
    block: httpRequest(url),
  });
  return [
    { type: 'warcinfo', id: fixedId(1), date: DATE, contentType: 'application/warc-fields', block: Buffer.from('software: warcwire-fuzz\r\n') },
    http(2, httpResponse(seededBytes(2, 1500))),
    request(3),
    http(4, httpChunkedResponse([seededBytes(4, 300), seededBytes(5, 40)])),
    request(5),
    { type: 'resource', id: fixedId(6), date: DATE, targetUri: 'urn:x-fuzz:blob', contentType: 'application/octet-stream', block: seededBytes(6, 700, false) },
    { type: 'metadata', id: fixedId(7), date: DATE, targetUri: url, contentType: 'application/warc-fields', fields: [['WARC-Refers-To', fixedId(2)]], block: Buffer.from('outlinks: http://example.com/a\r\n') },
  ];
}

/**
 * One writer file, without the warcinfo the writer adds (its id and date are
 * fresh on each run): the dictionary frame (if any), then our records.
 */
async function writerFile(dir: string, name: string, options: Omit<WarcWriterOptions, 'directory'>): Promise<Seed> {
  const writer = new WarcWriter({ directory: dir, prefix: name, hostname: 'fuzz', ...options });
  const written = await writer.write(sampleRecords());
  await writer.close();
  const bytes = readFileSync(join(dir, writer.filenames[0] as string));
  const preamble = bytes.length >= 8 && bytes.readUInt32LE(0) === DICTIONARY_FRAME_MAGIC ? 8 + bytes.readUInt32LE(4) : 0;
  return { name: `writer-${name}`, bytes: Buffer.concat([bytes.subarray(0, preamble), bytes.subarray((written[0] as { offset: number }).offset)]) };
}

/** The writer seeds, written with `backend` (the native one has zstd on every Node). */
export async function writerSeeds(backend: Backend, dictionary: Buffer | undefined): Promise<{ seeds: Seed[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-fuzz-seeds-'));
  const notes: string[] = [];
  const seeds: Seed[] = [];
  try {
    seeds.push(await writerFile(dir, 'gzip.warc.gz', { compression: 'gzip', backend }));
    seeds.push(await writerFile(dir, 'none.warc', { compression: 'none', backend }));
    try {
      seeds.push(await writerFile(dir, 'zstd.warc.zst', { compression: 'zstd', backend }));
      if (dictionary) seeds.push(await writerFile(dir, 'zstd-dict.warc.zst', { compression: 'zstd', zstdDictionary: dictionary, backend }));
      else notes.push('no zstd+dictionary writer seed: the fixtures (and their dictionary) are absent');
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_ZSTD_UNAVAILABLE') throw err;
      notes.push(`no zstd writer seeds: the ${backend.name} backend has no zstd on this Node`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { seeds, notes };
}

/** A small WARC record as text, to wrap in hand-built frames. */
function recordText(body: string): Buffer {
  const block = Buffer.from(body, 'latin1');
  return Buffer.concat([
    Buffer.from(`WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: ${fixedId(9)}\r\nWARC-Date: ${DATE}\r\nContent-Type: text/plain\r\nContent-Length: ${block.length}\r\n\r\n`, 'latin1'),
    block,
    Buffer.from('\r\n\r\n'),
  ]);
}

/** Raw blocks of at most `size` bytes over `bytes`. */
function rawBlocks(bytes: Buffer, size: number): ZstdBlock[] {
  const blocks: ZstdBlock[] = [];
  for (let at = 0; at < bytes.length; at += size) blocks.push({ type: 'raw', size: Math.min(size, bytes.length - at), data: bytes.subarray(at, at + size) });
  return blocks;
}

const BOMB = 640 * 2 ** 20;

/** Frames no compressor writes: RLE floods, declared sizes that lie, wrong checksums. */
export function zstdSeeds(): Seed[] {
  const record = recordText('hello from a hand-built frame\n');
  const good = zstdFrame(rawBlocks(record, 37), { checksum: true, contentSize: record.length });
  const badChecksum = Buffer.from(good);
  badChecksum[badChecksum.length - 1] ^= 0xff;
  const head = record.subarray(0, record.indexOf('\r\n\r\n') + 4);
  const rleBody = Buffer.from(head.toString('latin1').replace(/Content-Length: \d+/, 'Content-Length: 300000'), 'latin1');
  return [
    { name: 'zstd-raw-blocks.warc.zst', bytes: Buffer.concat([good, good]) },
    { name: 'zstd-bad-checksum.warc.zst', bytes: Buffer.concat([good, badChecksum, good]) },
    { name: 'zstd-huge-declared-size.warc.zst', bytes: zstdFrame(rawBlocks(record, 4096), { contentSize: 2n ** 62n }) },
    { name: 'zstd-short-declared-size.warc.zst', bytes: zstdFrame(rawBlocks(record, 4096), { contentSize: 10, checksum: true }) },
    {
      name: 'zstd-rle-body.warc.zst',
      bytes: zstdFrame([...rawBlocks(rleBody, 4096), { type: 'rle', size: 131072, byte: 0x61 }, { type: 'rle', size: 131072, byte: 0x62 }, { type: 'rle', size: 300000 - 262144, byte: 0x0a }, { type: 'raw', size: 4, data: Buffer.from('\r\n\r\n') }], { checksum: true }),
    },
    // 640 MiB: past the harness's 512 MiB limit if decoded in one piece, yet quick to stream once decoding is bounded.
    { name: 'zstd-rle-bomb-nul.warc.zst', bytes: rleBomb(BOMB, 0), weight: 0.3 },
    { name: 'zstd-rle-bomb-text.warc.zst', bytes: Buffer.concat([good, rleBomb(BOMB, 0x41)]), weight: 0.3 },
    { name: 'zstd-window-too-small.warc.zst', bytes: zstdFrame(rawBlocks(record, 131072), { windowLog: 10 }) },
  ];
}
