/**
 * WARC section. (a) Writer: records/s and MB/s of WarcWriter (gzip-6) on the
 * native and js backends, next to the warcio npm package serialising the same
 * records; (b) reader/indexer: CDXJ of one gzip WARC file (~200 MB, quick
 * ~30 MB) by our indexer (native, js) and by warcio's CDXIndexer. Every
 * contender sees the same HTTP responses; ratios are against warcio.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBackend } from '../../src/backend';
import type { Backend } from '../../src/backend/types';
import { indexFile } from '../../src/warc/tools/indexer';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcWriter } from '../../src/warc/write/writer';
import { smallCorpus, webCorpus, type Corpus } from '../corpus';
import { targetRow } from '../targets';
import type { BenchRow, BenchSection } from '../types';

const MB = 1e6;
const IN_FLIGHT = 32;

interface Response {
  url: string;
  head: Buffer;
  body: Buffer;
}

/** Wrap each corpus block as the body of a real HTTP response. */
function responses(corpus: Corpus): Response[] {
  return corpus.records.map((r, i) => ({
    url: `https://example.com/page/${i}.html`,
    head: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${r.block.length}\r\n\r\n`),
    body: r.block,
  }));
}

/**
 * A response record as the capture layer hands it over: with its payload digest (warcio
 * computes block and payload digests too; both sides use SHA-1 base32, timed).
 */
function toRecord(r: Response, backend: Backend): WarcRecord {
  const payload = backend.createDigest('sha1');
  payload.update(r.body);
  return {
    type: 'response',
    id: newRecordId(),
    date: new Date('2026-01-01T00:00:00Z'),
    targetUri: r.url,
    contentType: 'application/http; msgtype=response',
    fields: [['WARC-Payload-Digest', payload.label('base32')]],
    block: Buffer.concat([r.head, r.body]),
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-warc-'));
}

async function ourWriter(backend: Backend, input: Response[], dir: string): Promise<{ seconds: number; bytes: number; file: string }> {
  const writer = new WarcWriter({ directory: dir, compression: 'gzip', level: 6, backend, hostname: 'bench', maxFileSize: 0 });
  const start = process.hrtime.bigint();
  const inFlight: Array<Promise<unknown>> = [];
  for (const r of input) {
    inFlight.push(writer.write([toRecord(r, backend)]));
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await writer.close();
  const file = path.join(dir, writer.filenames[0]!);
  return { seconds: seconds(start), bytes: fs.statSync(file).size, file };
}

interface WarcioModule {
  WARCRecord: { create(opts: Record<string, unknown>, reader: Iterable<Uint8Array>): unknown };
  WARCSerializer: { serialize(record: unknown, opts: Record<string, unknown>): Promise<Uint8Array> };
  CDXIndexer: new (opts: Record<string, unknown>) => {
    iterIndex(files: Array<{ filename: string; reader: NodeJS.ReadableStream }>): AsyncIterable<Record<string, unknown>>;
  };
}

function warcio(): WarcioModule {
  // warcio ships a CommonJS build next to its ESM one.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('warcio') as WarcioModule;
}

async function warcioWriter(input: Response[], dir: string): Promise<{ seconds: number; bytes: number }> {
  const { WARCRecord, WARCSerializer } = warcio();
  const file = path.join(dir, 'warcio.warc.gz');
  const fd = fs.openSync(file, 'w');
  const start = process.hrtime.bigint();
  try {
    for (const r of input) {
      const record = WARCRecord.create(
        {
          url: r.url,
          date: '2026-01-01T00:00:00Z',
          type: 'response',
          warcVersion: 'WARC/1.1',
          statusline: 'HTTP/1.1 200 OK',
          httpHeaders: { 'Content-Type': 'text/html', 'Content-Length': String(r.body.length) },
        },
        [r.body],
      );
      fs.writeSync(fd, await WARCSerializer.serialize(record, { gzip: true, digest: { algo: 'sha-1', prefix: 'sha1:', base32: true } }));
    }
  } finally {
    fs.closeSync(fd);
  }
  return { seconds: seconds(start), bytes: fs.statSync(file).size };
}

/** Best of `reps` alternating runs per contender (one in quick mode): the machine is shared and noisy. */
async function writerRows(corpus: Corpus, list: Backend[], reps: number): Promise<BenchRow[]> {
  const input = responses(corpus);
  const plain = input.reduce((n, r) => n + r.head.length + r.body.length, 0);
  const best = new Map<string, { seconds: number; bytes: number }>();
  const keep = (name: string, r: { seconds: number; bytes: number }): void => {
    const old = best.get(name);
    if (!old || r.seconds < old.seconds) best.set(name, r);
  };
  for (let rep = 0; rep < reps; rep++) {
    for (const backend of list) {
      const dir = tempDir();
      try {
        keep(backend.name, await ourWriter(backend, input, dir));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const dir = tempDir();
    try {
      keep('warcio', await warcioWriter(input, dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = best.get('warcio')!.seconds;
  return [...best].map(([name, r]) => ({
    section: 'warc',
    case: `writer gzip${name === 'warcio' ? '' : '-6'} ${corpus.name} ${name}`,
    metrics: {
      'records/s': input.length / r.seconds,
      'MB/s': plain / MB / r.seconds,
      'out MB': r.bytes / MB,
      ...(name === 'warcio' ? {} : { 'x warcio': base / r.seconds }),
    },
  }));
}

/** A gzip WARC of about `target` compressed bytes, cycling the corpus. */
async function indexInput(corpus: Corpus, target: number, backend: Backend, dir: string): Promise<{ file: string; records: number }> {
  const input = responses(corpus);
  const writer = new WarcWriter({ directory: dir, compression: 'gzip', level: 6, backend, hostname: 'bench', maxFileSize: 0 });
  let records = 0;
  let size = 0;
  const inFlight: Array<Promise<Array<{ length: number }>>> = [];
  while (size < target) {
    const written = writer.write([toRecord(input[records % input.length]!, backend)]);
    records++;
    inFlight.push(written);
    if (inFlight.length >= IN_FLIGHT) size += (await inFlight.shift()!)[0]!.length;
  }
  await Promise.all(inFlight);
  await writer.close();
  return { file: path.join(dir, writer.filenames[0]!), records };
}

async function indexRows(quick: boolean, list: Backend[]): Promise<BenchRow[]> {
  const dir = tempDir();
  const rows: BenchRow[] = [];
  try {
    const corpus = webCorpus({ quick: true });
    const { file, records } = await indexInput(corpus, (quick ? 30 : 200) * MB, list[0]!, dir);
    const size = fs.statSync(file).size;
    const times = new Map<string, number>();
    for (const backend of list) {
      const start = process.hrtime.bigint();
      let lines = 0;
      for await (const line of indexFile(file, { backend })) lines += line.length > 0 ? 1 : 0;
      const s = seconds(start);
      if (lines !== records) throw new Error(`our index has ${lines} lines for ${records} records`);
      times.set(backend.name, s);
      rows.push({ section: 'warc', case: `index ${(size / MB).toFixed(0)} MB gzip ${backend.name}`, metrics: { 'MB/s': size / MB / s, 'records/s': records / s } });
    }
    const { CDXIndexer } = warcio();
    const start = process.hrtime.bigint();
    let lines = 0;
    const indexer = new CDXIndexer({ format: 'cdxj' });
    for await (const entry of indexer.iterIndex([{ filename: path.basename(file), reader: fs.createReadStream(file) }])) lines += entry ? 1 : 0;
    const s = seconds(start);
    if (lines !== records) throw new Error(`warcio's index has ${lines} lines for ${records} records`);
    times.set('warcio', s);
    rows.push({ section: 'warc', case: `index ${(size / MB).toFixed(0)} MB gzip warcio`, metrics: { 'MB/s': size / MB / s, 'records/s': records / s } });
    for (const row of rows) if (!row.case.endsWith('warcio')) row.metrics['x warcio'] = s / times.get(row.case.split(' ').pop()!)!;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const run: BenchSection = async ({ quick }) => {
  const list: Backend[] = [];
  let note: string | undefined;
  try {
    list.push(getBackend('native'));
  } catch (err) {
    note = err instanceof Error ? err.message : String(err);
  }
  list.push(getBackend('js'));
  const rows: BenchRow[] = [];
  const reps = quick ? 1 : 2;
  rows.push(...(await writerRows(webCorpus({ quick }), list, reps)));
  rows.push(...(await writerRows(smallCorpus({ quick }), list, reps)));
  rows.push(...(await indexRows(quick, list)));
  if (note) rows.push({ section: 'warc', case: 'native backend unavailable', metrics: { error: note.slice(0, 120) } });
  const target = (name: string, want: number): void => {
    const got = rows.find((r) => r.case.includes(name) && r.case.endsWith(' native'))?.metrics['x warcio'];
    rows.push(targetRow('warc', `${name} native / warcio`, typeof got === 'number' ? got : undefined, '>=', want, 'not measured (native backend unavailable?)'));
  };
  target('writer gzip-6 web-like', 2);
  target('index', 2);
  return rows;
};
