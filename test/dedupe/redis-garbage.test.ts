/**
 * A Redis shared by a fleet holds whatever anyone wrote under warcwire's keys. An entry
 * that is no usable dedupe entry must cost nothing: the exchange is stored in full (never
 * a revisit the writer refuses, which lost the exchange's records), and the lookup counted.
 */
import * as http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { WarcClient } from '../../src/client';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { PrometheusRegistry } from '../../src/obs/registry';
import { payload, sha1Base32 } from '../helpers/dedupe-candidates';
import { startRedis } from '../helpers/dedupe-redis';
import { readWithWarcio } from '../helpers/dedupe-warcio';

jest.setTimeout(30000);

const DATE = '2024-01-02T03:04:05Z';
/** Per path: what stands under that path's payload key before the crawl. */
const GARBAGE: Record<string, string | string[]> = {
  '/crlf-uri': JSON.stringify({ targetUri: 'http://a/\r\nEvil: 1', date: DATE }),
  '/crlf-date': JSON.stringify({ targetUri: 'http://a/', date: `${DATE}\r\nEvil: 1` }),
  '/bad-date': JSON.stringify({ targetUri: 'http://a/', date: 'yesterday' }),
  '/empty-uri': JSON.stringify({ targetUri: '', date: DATE }),
  '/number-uri': JSON.stringify({ targetUri: 42, date: DATE }),
  '/null': 'null',
  '/not-json': 'garbage',
  '/a-list': ['x', 'y'],
};

describe('garbage under warcwire keys in Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let server: http.Server;
  let origin: string;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    server = http.createServer((req, res) => {
      const body = payload(4096, req.url ?? '');
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'warcwire-redis-garbage-'));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each exchange in full and counts a bad_response; an unusable record id alone is dropped', async () => {
    const keys = new Redis(redis.url);
    const keyOf = (path: string): string => `warcwire:dedupe:sha1:${sha1Base32(payload(4096, path))}`;
    for (const [path, value] of Object.entries(GARBAGE)) {
      if (Array.isArray(value)) await keys.rpush(keyOf(path), ...value);
      else await keys.set(keyOf(path), value);
    }
    await keys.set(keyOf('/bad-id'), JSON.stringify({ recordId: 'not an id', targetUri: 'http://a/bad-id', date: DATE }));
    keys.disconnect();

    const metrics = new PrometheusRegistry();
    const dedupe = createDedupeIndex({ redis: { url: redis.url }, metrics });
    const client = await WarcClient.create({ writer: { directory: dir, prefix: 'GARBAGE' }, dedupe });
    const paths = [...Object.keys(GARBAGE), '/bad-id'];
    const outcomes: string[] = [];
    try {
      for (const path of paths) {
        const res = await client.fetch(origin + path);
        await res.bytes();
        outcomes.push(await res.written.then((w) => (w.revisit ? 'revisit' : 'response'), (err: Error & { code?: string }) => `lost: ${err.code}`));
      }
    } finally {
      await client.close();
      await dedupe.close();
    }
    expect(outcomes).toEqual([...Object.keys(GARBAGE).map(() => 'response'), 'revisit']);

    const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    const records = (await readWithWarcio(join(dir, file!))).filter((r) => r.type === 'response' || r.type === 'revisit');
    expect(records.map((r) => [r.headers['WARC-Target-URI']!.slice(origin.length), r.type, r.contentLength])).toEqual(
      paths.map((p) => [p, p === '/bad-id' ? 'revisit' : 'response', p === '/bad-id' ? 0 : 4096]),
    );
    const revisit = records.find((r) => r.type === 'revisit')!;
    expect(revisit.headers['WARC-Refers-To']).toBeUndefined();
    expect(revisit.headers).toMatchObject({ 'WARC-Refers-To-Target-URI': 'http://a/bad-id', 'WARC-Refers-To-Date': DATE });
    expect(metrics.value('dedupe_lookup_errors_total', { source: 'redis', reason: 'bad_response' })).toBe(7);
    expect(metrics.value('dedupe_lookup_errors_total', { source: 'redis', reason: 'network' })).toBe(1); // WRONGTYPE for the list
  });
});
