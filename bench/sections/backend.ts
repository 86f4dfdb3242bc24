/**
 * Backend section: native vs js on the same inputs in one run.
 * (a) digest MB/s on 64 KiB and 16 MiB buffers; (b) per-record gzip-6 members
 * and zstd-3 frames over the web-like, 1-4 KiB and real-HTML (nodejs-doc)
 * corpora; (c) the whole sink path, spool -> member -> file, and node:zlib's
 * gzip-6 output size on the same records as the size reference; (d) event-loop
 * lag (p99 of a 1 ms interval timer) while the sink compresses 200 MB. Ends
 * with a row per target.
 * Full runs take the best of two alternating repetitions; --quick runs once on
 * smaller corpora.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { getBackend } from '../../src/backend';
import type { Backend, DigestAlgorithm } from '../../src/backend/types';
import { incompressibleBytes, realHtmlCorpus, repeatCorpus, smallCorpus, webCorpus, type Corpus, type CorpusRecord } from '../corpus';
import { metricOf, ratioOf, targetRow, type Comparison } from '../targets';
import type { BenchRow, BenchSection } from '../types';

const MB = 1e6;
const MEMBER_WINDOW = 4; // encodes in flight per encoder
const SINK_WINDOW = 64; // appends in flight per sink

type Codec = { compression: 'gzip' | 'zstd'; level: number; label: string };
const gzip = promisify(zlib.gzip);
const CRLFCRLF = Buffer.from('\r\n\r\n');

const GZIP6: Codec = { compression: 'gzip', level: 6, label: 'gzip-6' };
const ZSTD3: Codec = { compression: 'zstd', level: 3, label: 'zstd-3' };

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function backends(): { list: Backend[]; nativeNote?: string } {
  try {
    return { list: [getBackend('native'), getBackend('js')] };
  } catch (err) {
    return { list: [getBackend('js')], nativeNote: err instanceof Error ? err.message : String(err) };
  }
}

function canRun(backend: Backend, codec: Codec): boolean {
  return codec.compression === 'gzip' || backend.zstdAvailable;
}

/** Adds 'native/js' to each native row, from the js row of the same case and metric. */
function addRatios(rows: BenchRow[], metric: string): void {
  for (const row of rows) {
    if (!row.case.endsWith(' native')) continue;
    const js = rows.find((r) => r.case === row.case.replace(/ native$/, ' js'));
    const a = row.metrics[metric];
    const b = js?.metrics[metric];
    row.metrics['native/js'] = typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : 'n/a';
  }
}

function digestRows(list: Backend[], quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const totalBytes = (quick ? 32 : 128) * 1024 * 1024; // per pass; best of two alternating passes
  for (const size of [64 * 1024, 16 * 1024 * 1024]) {
    const buffer = incompressibleBytes(size, size);
    const repeats = Math.max(1, Math.floor(totalBytes / size));
    for (const algorithm of ['sha1', 'sha256'] as DigestAlgorithm[]) {
      const best = new Map<Backend, number>();
      for (const order of [list, [...list].reverse()]) {
        for (const backend of order) {
          const start = process.hrtime.bigint();
          for (let i = 0; i < repeats; i++) {
            const digest = backend.createDigest(algorithm);
            digest.update(buffer);
            digest.label();
          }
          best.set(backend, Math.min(best.get(backend) ?? Infinity, seconds(start)));
        }
      }
      for (const backend of list) {
        const elapsed = best.get(backend)!;
        const sizeLabel = size >= 1024 * 1024 ? `${size / 1024 / 1024}MiB` : `${size / 1024}KiB`;
        rows.push({ section: 'backend', case: `digest ${algorithm} ${sizeLabel} ${backend.name}`, metrics: { 'MB/s': (repeats * size) / MB / elapsed } });
      }
    }
  }
  addRatios(rows, 'MB/s');
  return rows;
}

interface Pass {
  elapsed: number;
  /** Compressed bytes produced. */
  size: number;
}

/** Encodes every record as its own member (MEMBER_WINDOW in flight). */
async function memberPass(backend: Backend, codec: Codec, corpus: Corpus): Promise<Pass> {
  const encoder = backend.createMemberEncoder({ compression: codec.compression, level: codec.level });
  let next = 0;
  let size = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < corpus.records.length) {
      const record = corpus.records[next++]!;
      const member = await encoder.encode([record.header, record.block]);
      size += member.length; // not `+= await`: that would read `size` before the await
    }
  };
  await Promise.all(Array.from({ length: MEMBER_WINDOW }, worker));
  const elapsed = seconds(start);
  encoder.close();
  return { elapsed, size };
}

/**
 * One row per (corpus, codec, backend). Each repetition runs the backends in
 * alternating order and the best time counts, so a burst of load from other
 * processes on the shared machine penalises neither side systematically.
 */
async function throughputRows(
  kind: string,
  list: Backend[],
  corpora: Corpus[],
  reps: number,
  pass: (backend: Backend, codec: Codec, corpus: Corpus) => Promise<Pass>,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const corpus of corpora) {
    for (const codec of [GZIP6, ZSTD3]) {
      const best = new Map<Backend, Pass>();
      for (let rep = 0; rep < reps; rep++) {
        const order = rep % 2 === 0 ? list : [...list].reverse();
        for (const backend of order.filter((b) => canRun(b, codec))) {
          const result = await pass(backend, codec, corpus);
          const previous = best.get(backend);
          if (previous === undefined || result.elapsed < previous.elapsed) best.set(backend, result);
        }
      }
      for (const backend of list) {
        const name = `${kind} ${codec.label} ${corpus.name} ${backend.name}`;
        const result = best.get(backend);
        if (result === undefined) {
          rows.push({ section: 'backend', case: name, metrics: { 'records/s': 'n/a', 'MB/s': 'n/a', note: 'zstd unavailable on this Node' } });
          continue;
        }
        rows.push({
          section: 'backend',
          case: name,
          metrics: {
            'records/s': corpus.records.length / result.elapsed,
            'MB/s': corpus.totalBytes / MB / result.elapsed,
            'size%': (100 * result.size) / corpus.totalBytes,
          },
        });
      }
    }
  }
  addRatios(rows, 'MB/s');
  return rows;
}

/** Spools each block, appends it through the sink (bounded in flight), closes; returns seconds and file size. */
async function sinkPass(backend: Backend, codec: Codec, corpus: Corpus, dir: string): Promise<Pass> {
  const file = path.join(dir, `sink-${backend.name}-${codec.label}.warc`);
  fs.rmSync(file, { force: true });
  const start = process.hrtime.bigint();
  const sink = await backend.openRecordSink(file, { compression: codec.compression, level: codec.level });
  let next = 0;
  const worker = async () => {
    while (next < corpus.records.length) {
      const record = corpus.records[next++]!;
      const spool = backend.createSpool({ tempDir: dir });
      try {
        spool.append(record.block);
        await sink.append(record.header, spool);
      } finally {
        spool.close();
      }
    }
  };
  await Promise.all(Array.from({ length: SINK_WINDOW }, worker));
  await sink.close();
  const elapsed = seconds(start);
  const size = fs.statSync(file).size;
  fs.rmSync(file, { force: true });
  return { elapsed, size };
}

async function lagRows(list: Backend[], web: Corpus, quick: boolean, dir: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const corpus = repeatCorpus(web, quick ? 50 * MB : 200 * MB, `${quick ? 50 : 200} MB web-like`);
  for (const backend of list) {
    const lags: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      lags.push(Math.max(0, now - last - 1));
      last = now;
    }, 1);
    const { elapsed } = await sinkPass(backend, GZIP6, corpus, dir);
    clearInterval(timer);
    lags.sort((a, b) => a - b);
    const p = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
    rows.push({
      section: 'backend',
      case: `event-loop lag, sink gzip-6 ${corpus.name} ${backend.name}`,
      metrics: { 'p50 ms': p(0.5), 'p99 ms': p(0.99), 'max ms': lags[lags.length - 1] ?? 0, ticks: lags.length, 'MB/s': corpus.totalBytes / MB / elapsed },
    });
  }
  return rows;
}

/** Compressed size of every record as one node:zlib gzip-6 member (header + block + CRLFCRLF, as the sink frames it): the size reference. */
async function zlibRow(corpus: Corpus): Promise<BenchRow> {
  const sizes = new Map<CorpusRecord, number>(); // a cycled corpus repeats records: each is compressed once
  const unique = [...new Set(corpus.records)];
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const record = unique[next++]!;
      const member = await gzip(Buffer.concat([record.header, record.block, CRLFCRLF]), { level: 6 });
      sizes.set(record, member.length);
    }
  };
  await Promise.all(Array.from({ length: MEMBER_WINDOW }, worker));
  const size = corpus.records.reduce((sum, record) => sum + sizes.get(record)!, 0);
  return { section: 'backend', case: `zlib-6 members ${corpus.name}`, metrics: { 'size%': (100 * size) / corpus.totalBytes } };
}

function targetRows(rows: BenchRow[], web: Corpus, small: Corpus, html: Corpus | undefined, htmlMissing: string | undefined): BenchRow[] {
  const noNative = 'not measured (native backend unavailable?)';
  const htmlName = html?.name ?? 'nodejs-doc HTML';
  const htmlNote = htmlMissing !== undefined ? 'not measured (nodejs-doc not installed)' : noNative;
  const target = (label: string, value: number | undefined, comparison: Comparison, goal: number, missing = noNative) =>
    targetRow('backend', label, value, comparison, goal, missing);
  const nativeJs = (corpus: string) => metricOf(rows, `sink gzip-6 ${corpus} native`, 'native/js');
  const sizeVsZlib = (corpus: string) => ratioOf(metricOf(rows, `sink gzip-6 ${corpus} native`, 'size%'), metricOf(rows, `zlib-6 members ${corpus}`, 'size%'));
  const out = [
    target('sink gzip-6 native/js, web-like', nativeJs(web.name), '>=', 2),
    target('sink gzip-6 native/js, nodejs-doc HTML', nativeJs(htmlName), '>=', 2, htmlNote),
    target('sink gzip-6 native/js, 1-4 KiB', nativeJs(small.name), '>=', 3),
    target(
      'sink zstd-3 native / gzip-6 js, web-like',
      ratioOf(metricOf(rows, `sink zstd-3 ${web.name} native`, 'MB/s'), metricOf(rows, `sink gzip-6 ${web.name} js`, 'MB/s')),
      '>=',
      4,
    ),
    // The issue's "no larger than zlib-6's (±1 %)": smaller output always meets it.
    target('sink gzip-6 output size native / zlib-6, web-like', sizeVsZlib(web.name), '<=', 1.01),
    target('sink gzip-6 output size native / zlib-6, nodejs-doc HTML', sizeVsZlib(htmlName), '<=', 1.01, htmlNote),
  ];
  for (const row of rows.filter((r) => r.case.startsWith('event-loop lag'))) {
    const p99 = row.metrics['p99 ms'];
    out.push(target(`p99 event-loop lag ms (${row.case.split(' ').pop()})`, typeof p99 === 'number' ? p99 : undefined, '<', 20));
  }
  return out;
}

export const run: BenchSection = async ({ quick }) => {
  const { list, nativeNote } = backends();
  const rows: BenchRow[] = [];
  if (nativeNote !== undefined) {
    rows.push({ section: 'backend', case: 'NOTE: js-only rows', metrics: { reason: `native backend unavailable: ${nativeNote}` } });
  }
  const web = webCorpus({ quick });
  const small = smallCorpus({ quick });
  const real = realHtmlCorpus({ quick });
  const html = 'missing' in real ? undefined : real;
  const htmlMissing = 'missing' in real ? real.missing : undefined;
  if (htmlMissing !== undefined) {
    console.error(`[bench] backend: ${htmlMissing}`);
    rows.push({ section: 'backend', case: 'NOTE: no real-HTML rows', metrics: { reason: htmlMissing } });
  }
  const corpora = html !== undefined ? [web, small, html] : [web, small];
  const metrics: Record<string, number> = {};
  for (const corpus of corpora) {
    metrics[`${corpus.name} MB`] = corpus.totalBytes / MB;
    metrics[`${corpus.name} records`] = corpus.records.length;
  }
  rows.push({ section: 'backend', case: 'corpora', metrics });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-'));
  try {
    rows.push(...digestRows(list, quick));
    const reps = quick ? 1 : 2;
    rows.push(...(await throughputRows('members', list, corpora, reps, memberPass)));
    rows.push(...(await throughputRows('sink', list, corpora, reps, (b, c, corpus) => sinkPass(b, c, corpus, dir))));
    for (const corpus of corpora.filter((c) => c !== small)) rows.push(await zlibRow(corpus));
    rows.push(...(await lagRows(list, web, quick, dir)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  rows.push(...targetRows(rows, web, small, html, htmlMissing));
  return rows;
};
