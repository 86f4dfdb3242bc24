/**
 * Backend section: native vs js on the same inputs in one run.
 * (a) digest MB/s on 64 KiB and 16 MiB buffers; (b) per-record gzip-6 members
 * and zstd-3 frames over the web-like and 1-4 KiB corpora; (c) the whole sink
 * path, spool -> member -> file; (d) event-loop lag (p99 of a 1 ms interval
 * timer) while the sink compresses 200 MB. Ends with a row per target.
 * Full runs take the best of two alternating repetitions; --quick runs once on
 * smaller corpora.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBackend } from '../../src/backend';
import type { Backend, DigestAlgorithm } from '../../src/backend/types';
import { incompressibleBytes, smallCorpus, webCorpus, type Corpus } from '../corpus';
import type { BenchRow, BenchSection } from '../types';

const MB = 1e6;
const MEMBER_WINDOW = 4; // encodes in flight per encoder
const SINK_WINDOW = 64; // appends in flight per sink

type Codec = { compression: 'gzip' | 'zstd'; level: number; label: string };
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

/** Repeats the web-like records until `bytes` of input, for the lag measurement. */
function repeatTo(corpus: Corpus, bytes: number): Corpus {
  const records = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const record = corpus.records[i % corpus.records.length]!;
    records.push(record);
    total += record.header.length + record.block.length;
  }
  return { name: `${(total / MB).toFixed(0)} MB web-like`, records, totalBytes: total };
}

async function lagRows(list: Backend[], web: Corpus, quick: boolean, dir: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const corpus = repeatTo(web, quick ? 50 * MB : 200 * MB);
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

function metric(rows: BenchRow[], name: string, key: string): number | undefined {
  const value = rows.find((r) => r.case === name)?.metrics[key];
  return typeof value === 'number' ? value : undefined;
}

function targetRows(rows: BenchRow[], web: Corpus, small: Corpus): BenchRow[] {
  const check = (label: string, value: number | undefined, goal: number, higherIsBetter = true): BenchRow => ({
    section: 'backend',
    case: `target: ${label}`,
    metrics:
      value === undefined
        ? { value: 'n/a', goal: `${higherIsBetter ? '>=' : '<'} ${goal}`, result: 'not measured (native backend unavailable?)' }
        : { value, goal: `${higherIsBetter ? '>=' : '<'} ${goal}`, result: (higherIsBetter ? value >= goal : value < goal) ? 'PASS' : 'MISS' },
  });
  const zstdNative = metric(rows, `sink zstd-3 ${web.name} native`, 'MB/s');
  const gzipJs = metric(rows, `sink gzip-6 ${web.name} js`, 'MB/s');
  const out = [
    check('sink gzip-6 native/js, web-like', metric(rows, `sink gzip-6 ${web.name} native`, 'native/js'), 1.5),
    check('sink gzip-6 native/js, 1-4 KiB', metric(rows, `sink gzip-6 ${small.name} native`, 'native/js'), 3),
    check('sink zstd-3 native / gzip-6 js, web-like', zstdNative !== undefined && gzipJs ? zstdNative / gzipJs : undefined, 4),
  ];
  for (const row of rows.filter((r) => r.case.startsWith('event-loop lag'))) {
    const p99 = row.metrics['p99 ms'];
    out.push(check(`p99 event-loop lag ms (${row.case.split(' ').pop()})`, typeof p99 === 'number' ? p99 : undefined, 20, false));
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
  rows.push({
    section: 'backend',
    case: 'corpora',
    metrics: {
      [`${web.name} MB`]: web.totalBytes / MB,
      [`${web.name} records`]: web.records.length,
      [`${small.name} MB`]: small.totalBytes / MB,
      [`${small.name} records`]: small.records.length,
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-'));
  try {
    rows.push(...digestRows(list, quick));
    const reps = quick ? 1 : 2;
    rows.push(...(await throughputRows('members', list, [web, small], reps, memberPass)));
    rows.push(...(await throughputRows('sink', list, [web, small], reps, (b, c, corpus) => sinkPass(b, c, corpus, dir))));
    rows.push(...(await lagRows(list, web, quick, dir)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  rows.push(...targetRows(rows, web, small));
  return rows;
};
