/**
 * Client section. On loopback, 16 KiB and 1 MiB responses from a server in a
 * child process: requests/s and MB/s of (a) undici's Pool not recording,
 * (b) the "floor": the same Pool loop plus the least any recorder must do
 * with each exchange (bench/floor.ts), (c) WarcClient's dispatcher recording
 * with the native backend, (d) the same with the js backend — same request
 * loop, same concurrency — and (e) `wget --warc-file` (Debian's wget)
 * fetching the same URL list. Then the targets (native against floor, undici
 * and wget), and the peak RSS of a child process capturing one 1 GiB response.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool, request, type Dispatcher } from 'undici';
import { getBackend } from '../../src/backend';
import type { Backend } from '../../src/backend/types';
import { WarcClient } from '../../src/client/warc-client';
import { FloorRecorder, type Consume } from '../floor';
import { metricOf, targetRow } from '../targets';
import type { BenchRow, BenchSection } from '../types';

const MB = 1e6;
const CONCURRENCY = 8;
/** The floor contender's label (see FloorRecorder). */
const FLOOR = 'floor (digests + gzip-6 member, native sink)';

/** Serves /16k, /1m and /big?bytes=N (deterministic bytes) with keep-alive; prints its port. */
const SERVER = `
const http = require('http');
const pattern = Buffer.alloc(1 << 20);
for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 2654435761) >>> 24;
const small = pattern.subarray(0, 16384);
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  if (req.url === '/16k') { res.setHeader('content-length', small.length); res.end(small); return; }
  if (req.url === '/1m') { res.setHeader('content-length', pattern.length); res.end(pattern); return; }
  const m = /^\\/big\\?bytes=(\\d+)$/.exec(req.url);
  if (m) {
    const total = Number(m[1]); let sent = 0;
    res.setHeader('content-length', total);
    const pump = () => {
      while (sent < total) {
        const n = Math.min(pattern.length, total - sent); sent += n;
        if (!res.write(pattern.subarray(0, n))) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump(); return;
  }
  res.statusCode = 404; res.end();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export async function startServer(): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, child };
}

/** What every contender but the floor does with a response: read the body, count it. */
const readBody: Consume = async (_url, res) => {
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  return bytes;
};

/** `count` GETs of `url` with CONCURRENCY in flight through `dispatcher`; each of the CONCURRENCY workers reads bodies with its own `consumer()`. */
async function loop(dispatcher: Dispatcher, url: string, count: number, consumer: () => Consume = () => readBody): Promise<{ seconds: number; bytes: number }> {
  let next = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      const consume = consumer();
      while (next++ < count) {
        const res = await request(url, { dispatcher });
        const read = await consume(url, res);
        bytes += read; // not `+= await`: that would read `bytes` before the await
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, bytes };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-client-'));
}

async function recording(backend: Backend, url: string, count: number): Promise<{ seconds: number; bytes: number }> {
  const dir = tempDir();
  try {
    const client = await WarcClient.create({ writer: { directory: dir, compression: 'gzip', maxFileSize: 0 }, backend, connectionsPerOrigin: CONCURRENCY });
    const start = process.hrtime.bigint();
    const r = await loop(client.dispatcher, url, count);
    await client.close(); // every record on disk
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (client.stats.written !== count) throw new Error(`expected ${count} pairs, wrote ${client.stats.written}`);
    return { seconds, bytes: r.bytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function floor(backend: Backend, origin: string, url: string, count: number): Promise<{ seconds: number; bytes: number }> {
  const dir = tempDir();
  const pool = new Pool(origin, { connections: CONCURRENCY });
  try {
    await loop(pool, url, Math.min(200, count)); // warm-up, as for plain undici
    const sink = await backend.openRecordSink(path.join(dir, 'floor.warc.gz'), { compression: 'gzip', level: 6 });
    try {
      const recorder = new FloorRecorder(backend, sink);
      const start = process.hrtime.bigint();
      const r = await loop(pool, url, count, () => recorder.consumer());
      await recorder.drained();
      await sink.close(); // every member on disk, as recording's client.close()
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (recorder.appends !== count) throw new Error(`expected ${count} members, appended ${recorder.appends}`);
      return { seconds, bytes: r.bytes };
    } finally {
      await sink.close(); // idempotent: the same close when the run got there
    }
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function wget(url: string, count: number): { seconds: number; bytes: number } | undefined {
  const dir = tempDir();
  try {
    const list = path.join(dir, 'urls.txt');
    // The same URL `count` times: wget fetches each line, over one kept-alive connection.
    fs.writeFileSync(list, Array.from({ length: count }, () => url).join('\n') + '\n');
    const start = process.hrtime.bigint();
    execFileSync('wget', ['-q', '--no-config', '-i', list, '-O', '/dev/null', `--warc-file=${path.join(dir, 'peer')}`, '--no-warc-keep-log'], { stdio: 'ignore' });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const size = url.endsWith('/16k') ? 16384 : 1 << 20;
    return { seconds, bytes: size * count };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS (MB) of a fresh process capturing one response of `bytes` (read by the caller, written gzip). */
export function peakRss(origin: string, bytes: number): { rssMB: number; seconds: number; heapMB: number; externalMB: number } {
  const clientModule = path.resolve(__dirname, '../../src/client/warc-client.js');
  const dir = tempDir();
  const script = `
    const { WarcClient } = require(${JSON.stringify(clientModule)});
    // VmHWM is this process image's peak RSS; getrusage's maxRSS also counts the parent's RSS at fork (Linux keeps it across exec).
    const hwmKiB = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
    const peak = { heap: 0, external: 0, arrayBuffers: 0 };
    setInterval(() => {
      const m = process.memoryUsage();
      peak.heap = Math.max(peak.heap, m.heapUsed); peak.external = Math.max(peak.external, m.external); peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    }, 200).unref();
    (async () => {
      const t0 = Date.now();
      const client = await WarcClient.create({ writer: { directory: ${JSON.stringify(dir)}, compression: 'gzip', level: 1, maxFileSize: 0 }, maxResponseBytes: ${bytes + (1 << 20)} });
      const res = await client.fetch(${JSON.stringify(`${origin}/big?bytes=${bytes}`)});
      let n = 0;
      for await (const c of res.nodeStream()) n += c.length;
      const w = await res.written;
      await client.close();
      if (n !== ${bytes} || w.truncated) throw new Error('incomplete capture');
      process.stdout.write(JSON.stringify({ rss: hwmKiB(), seconds: (Date.now() - t0) / 1000, peak }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  try {
    const out = execFileSync(process.execPath, ['-e', script], { maxBuffer: 1 << 20 });
    const r = JSON.parse(out.toString()) as { rss: number; seconds: number; peak: { heap: number; external: number; arrayBuffers: number } };
    return { rssMB: r.rss / 1024, seconds: r.seconds, heapMB: r.peak.heap / 2 ** 20, externalMB: r.peak.external / 2 ** 20 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Targets of the client section, from the rows of this run. */
function targetRows(rows: readonly BenchRow[]): BenchRow[] {
  const native = (size: string, key: string) => metricOf(rows, `${size} warcwire native`, key);
  const wgetRatio = (size: string) => metricOf(rows, `${size} wget --warc-file`, 'native/wget');
  return [
    targetRow('client', '16k native / floor', native('16k', 'vs floor'), '>=', 0.85),
    targetRow('client', '1m native / floor', native('1m', 'vs floor'), '>=', 0.85),
    targetRow('client', '16k native / undici', native('16k', 'vs undici'), '>=', 0.45),
    targetRow('client', '16k native / wget', wgetRatio('16k'), '>=', 3),
    targetRow('client', '1m native / wget', wgetRatio('1m'), '>=', 2),
  ];
}

export const run: BenchSection = async ({ quick }) => {
  const rows: BenchRow[] = [];
  const server = await startServer();
  try {
    for (const [name, count] of [
      ['16k', quick ? 2000 : 20000],
      ['1m', quick ? 200 : 2000],
    ] as const) {
      const url = `${server.origin}/${name}`;
      const pool = new Pool(server.origin, { connections: CONCURRENCY });
      await loop(pool, url, Math.min(200, count)); // warm-up
      const plain = await loop(pool, url, count);
      await pool.close();
      let native: Backend | undefined;
      try {
        native = getBackend('native');
      } catch {
        native = undefined; // the floor and the native rows say 'not available'
      }
      const contenders: Array<[string, { seconds: number; bytes: number } | undefined]> = [
        ['undici (not recording)', plain],
        [FLOOR, native === undefined ? undefined : await floor(native, server.origin, url, count)],
      ];
      for (const backendName of ['native', 'js'] as const) {
        let backend: Backend;
        try {
          backend = getBackend(backendName);
        } catch {
          contenders.push([`warcwire ${backendName}`, undefined]);
          continue;
        }
        contenders.push([`warcwire ${backendName}`, await recording(backend, url, count)]);
      }
      contenders.push(['wget --warc-file', wget(url, Math.min(count, quick ? 500 : 5000))]);
      const plainRps = count / plain.seconds;
      let floorRps: number | undefined;
      let nativeMBs: number | undefined;
      for (const [label, r] of contenders) {
        if (r === undefined) {
          rows.push({ section: 'client', case: `${name} ${label}`, metrics: { note: 'not available' } });
          continue;
        }
        const requests = r.bytes / (name === '16k' ? 16384 : 1 << 20);
        const rps = requests / r.seconds;
        const mbs = r.bytes / MB / r.seconds;
        if (label === FLOOR) floorRps = rps;
        if (label === 'warcwire native') nativeMBs = mbs;
        const metrics: Record<string, number | string> = { 'requests/s': rps, 'MB/s': mbs, 'vs undici': rps / plainRps };
        if (label.startsWith('warcwire') && floorRps !== undefined) metrics['vs floor'] = rps / floorRps;
        if (label.startsWith('wget') && nativeMBs !== undefined) metrics['native/wget'] = nativeMBs / mbs;
        rows.push({ section: 'client', case: `${name} ${label}`, metrics });
      }
    }
    rows.push(...targetRows(rows));
    const size = 1024 ** 3;
    const rss = peakRss(server.origin, size);
    rows.push({ section: 'client', case: '1 GiB response captured (gzip-1)', metrics: { 'peak RSS MB': rss.rssMB, 'peak heap MB': rss.heapMB, 'peak external MB': rss.externalMB, 'MB/s': size / MB / rss.seconds } });
  } finally {
    server.child.kill();
  }
  return rows;
};
