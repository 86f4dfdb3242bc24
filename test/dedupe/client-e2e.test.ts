/**
 * End to end: the capturing client fetching from a real local server, deduplicating
 * through the index, writing WARC files that warcio and `warcwire check` read back.
 */
import * as http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { WarcClient } from '../../src/client';
import checkCommand from '../../src/cli/commands/check';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { IDENTICAL_PAYLOAD_PROFILE } from '../../src/dedupe/revisit';
import { PrometheusRegistry } from '../../src/obs/registry';
import { checkFile } from '../../src/warc/tools/check';
import { runTs } from '../helpers/dedupe-child';
import { payload, sha1Base32 } from '../helpers/dedupe-candidates';
import { startRedis } from '../helpers/dedupe-redis';
import { cdxLine, startCdx } from '../helpers/dedupe-services';
import { readWithWarcio, type WarcioRecord } from '../helpers/dedupe-warcio';
import { parsePrometheusText } from '../obs/prom-text-parser';

jest.setTimeout(30000);

const shared = payload(4096, 'shared body');
const below = payload(2047, 'below threshold');
const at = payload(2048, 'at threshold');
const archived = payload(3000, 'already in the archive');

function bodyFor(path: string): Buffer {
  if (/^\/shared\//.test(path)) return shared;
  if (/^\/below\//.test(path)) return below;
  if (/^\/at\//.test(path)) return at;
  if (/^\/empty\//.test(path)) return Buffer.alloc(0);
  if (path === '/archived') return archived;
  const page = /^\/page\/(\d+)$/.exec(path);
  if (page) return payload(2500, `page ${page[1]}`);
  return Buffer.from('not found');
}

async function startOrigin(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    hits++;
    const body = bodyFor(req.url ?? '/');
    res.writeHead(body.length === 9 ? 404 : 200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function warcFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.warc.gz'))
    .sort()
    .map((f) => join(dir, f));
}

describe('the capturing client with dedupe', () => {
  let dir: string;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warcwire-dedupe-e2e-'));
    origin = await startOrigin();
  });
  afterEach(async () => {
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('duplicates fetched by the client become revisits that warcio reads and `warcwire check` passes', async () => {
    const cdx = await startCdx(
      new Map([[`${origin.url}/archived`, [cdxLine({ timestamp: '20200102030405', original: `${origin.url}/archived`, mime: 'application/octet-stream', status: '200', digest: sha1Base32(archived) })]]]),
    );
    const metrics = new PrometheusRegistry();
    const dedupe = createDedupeIndex({ local: true, cdx: { url: cdx.url, timeout: 2000 }, metrics });
    const client = await WarcClient.create({ writer: { directory: dir, prefix: 'E2E' }, dedupe, metrics });
    const paths = ['/shared/1', '/shared/2', '/shared/3', '/below/1', '/below/2', '/at/1', '/at/2', '/empty/1', '/empty/2', '/archived'];
    try {
      // One at a time, so the file order is the fetch order.
      for (const path of paths) {
        const res = await client.fetch(origin.url + path);
        expect((await res.bytes()).equals(bodyFor(path))).toBe(true);
        await res.written;
      }
    } finally {
      await client.close();
      await dedupe.close();
      await cdx.close();
    }
    expect(client.stats.revisits).toBe(4);

    const files = warcFiles(dir);
    expect(files).toHaveLength(1);
    const records = (await readWithWarcio(files[0]!)).filter((r) => r.type !== 'warcinfo');
    const responses = records.filter((r) => r.type !== 'request');
    const byUri = new Map<string, WarcioRecord>(responses.map((r) => [r.headers['WARC-Target-URI']!.slice(origin.url.length), r]));
    expect(responses.map((r) => [r.headers['WARC-Target-URI']!.slice(origin.url.length), r.type])).toEqual([
      ['/shared/1', 'response'],
      ['/shared/2', 'revisit'],
      ['/shared/3', 'revisit'],
      ['/below/1', 'response'],
      ['/below/2', 'response'], // 2047 bytes: under the threshold
      ['/at/1', 'response'],
      ['/at/2', 'revisit'], // 2048 bytes: at the threshold
      ['/empty/1', 'response'],
      ['/empty/2', 'response'], // empty payloads are never deduplicated
      ['/archived', 'revisit'], // known to the CDX server
    ]);
    const first = byUri.get('/shared/1')!;
    for (const p of ['/shared/2', '/shared/3']) {
      const r = byUri.get(p)!;
      expect(r.headers).toMatchObject({
        'WARC-Profile': IDENTICAL_PAYLOAD_PROFILE,
        'WARC-Refers-To': first.headers['WARC-Record-ID'],
        'WARC-Refers-To-Target-URI': `${origin.url}/shared/1`,
        'WARC-Refers-To-Date': first.headers['WARC-Date'],
        'WARC-Payload-Digest': `sha1:${sha1Base32(shared)}`,
        'WARC-Truncated': 'length',
      });
      expect(r.httpStatus).toBe(200);
      expect(r.contentLength).toBe(0);
    }
    expect(first.contentLength).toBe(4096);
    // Revisits carry the very Content-Type the client writes on response records.
    expect(first.headers['Content-Type']).toBe('application/http;msgtype=response');
    for (const r of responses.filter((x) => x.type === 'revisit')) expect(r.headers['Content-Type']).toBe(first.headers['Content-Type']);
    const fromCdx = byUri.get('/archived')!;
    expect(fromCdx.headers['WARC-Refers-To']).toBeUndefined();
    expect(fromCdx.headers).toMatchObject({ 'WARC-Refers-To-Target-URI': `${origin.url}/archived`, 'WARC-Refers-To-Date': '2020-01-02T03:04:05Z' });
    // Each request record points at the record written for its response (revisit or not).
    for (const req of records.filter((r) => r.type === 'request')) {
      const target = records.find((r) => r.headers['WARC-Record-ID'] === req.headers['WARC-Concurrent-To']);
      expect(target?.headers['WARC-Target-URI']).toBe(req.headers['WARC-Target-URI']);
    }

    const report = await checkFile(files[0]!);
    expect(report.errors).toEqual([]);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    expect(await checkCommand.run([files[0]!], { stdout: out, stderr: new PassThrough() })).toBe(0);
    expect(text).toBe('');

    const parsed = parsePrometheusText(metrics.toPrometheus());
    const value = (name: string): number => parsed.get(name)!.samples[0]!.value;
    expect(value('local_deduped_total')).toBe(3);
    expect(value('local_deduped_bytes_total')).toBe(2 * 4096 + 2048);
    expect(value('cdx_deduped_total')).toBe(1);
    expect(value('cdx_deduped_bytes_total')).toBe(3000);
    expect(parsed.get('dedupe_lookup_errors_total')!.samples).toEqual([]);
  });

  it('a dead CDX server: every response is stored in full, the failures counted', async () => {
    const metrics = new PrometheusRegistry();
    const dedupe = createDedupeIndex({ cdx: { url: 'http://127.0.0.1:9', timeout: 500 }, metrics });
    const client = await WarcClient.create({ writer: { directory: dir, prefix: 'DEAD' }, dedupe });
    try {
      for (const path of ['/shared/1', '/shared/2']) {
        const res = await client.fetch(origin.url + path);
        await res.bytes();
        expect((await res.written).revisit).toBeUndefined();
      }
    } finally {
      await client.close();
      await dedupe.close();
    }
    const records = await readWithWarcio(warcFiles(dir)[0]!);
    expect(records.filter((r) => r.type === 'response').map((r) => r.contentLength)).toEqual([4096, 4096]);
    expect(metrics.value('dedupe_lookup_errors_total', { source: 'cdx', reason: 'network' })).toBe(2);
  });
});

describe('a fleet of two crawler processes sharing Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  const dirs: string[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    origin = await startOrigin();
  });
  afterAll(async () => {
    await origin?.close();
    await redis?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('capturing the same 200 URLs at once stores exactly 200 full responses overall, the rest revisits', async () => {
    const crawlers = ['a', 'b'].map((name) => {
      const dir = mkdtempSync(join(tmpdir(), `warcwire-fleet-${name}-`));
      dirs.push(dir);
      const child = runTs(join(__dirname, '../helpers/dedupe-fleet-crawler.ts'), [redis.url, origin.url, '200', dir], join(__dirname, '../..'));
      let out = '';
      let err = '';
      let onReady!: () => void;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.startsWith('ready\n')) onReady();
      });
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      const done = new Promise<{ revisits: number; full: number; lookupErrors: number }>((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1]!)) : reject(new Error(`crawler ${name} exited ${code}: ${err}`)))),
      );
      done.catch(() => onReady());
      return { dir, ready, done, go: (t: number) => child.stdin.write(`go ${t}\n`) };
    });
    await Promise.all(crawlers.map((c) => c.ready));
    const startAt = Date.now() + 300;
    for (const c of crawlers) c.go(startAt);
    const reports = await Promise.all(crawlers.map((c) => c.done));

    expect(reports.reduce((n, r) => n + r.full, 0)).toBe(200);
    expect(reports.reduce((n, r) => n + r.revisits, 0)).toBe(200);
    expect(reports.reduce((n, r) => n + r.lookupErrors, 0)).toBe(0);
    expect(origin.hits()).toBe(400);

    // What is on disk says the same, read by warcio.
    const all: WarcioRecord[] = [];
    for (const c of crawlers) for (const f of warcFiles(c.dir)) all.push(...(await readWithWarcio(f)));
    const responses = all.filter((r) => r.type === 'response');
    const revisits = all.filter((r) => r.type === 'revisit');
    expect(responses).toHaveLength(200);
    expect(revisits).toHaveLength(200);
    expect(new Set(responses.map((r) => r.headers['WARC-Target-URI'])).size).toBe(200);
    const responseById = new Map(responses.map((r) => [r.headers['WARC-Record-ID'], r]));
    for (const v of revisits) {
      const original = responseById.get(v.headers['WARC-Refers-To']);
      expect(original).toBeDefined();
      expect(original!.headers['WARC-Target-URI']).toBe(v.headers['WARC-Target-URI']);
      expect(original!.headers['WARC-Payload-Digest']).toBe(v.headers['WARC-Payload-Digest']);
    }
  });
});
