import { join } from 'node:path';
import Redis from 'ioredis';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { PrometheusRegistry } from '../../src/obs/registry';
import type { DedupeHit } from '../../src/dedupe/types';
import { runTs } from '../helpers/dedupe-child';
import { candidateFor, payload } from '../helpers/dedupe-candidates';
import { startRedis } from '../helpers/dedupe-redis';
import { freePort } from '../helpers/net-ports';
import { startDoppelganger } from '../helpers/dedupe-services';
import { sha1Base32 } from '../helpers/dedupe-candidates';

jest.setTimeout(30000);

let redis: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

interface CrawlerReport {
  name: string;
  first: { digest: string; recordId: string; hit: DedupeHit | null }[];
  secondNulls: number;
  secondSources: (string | null)[];
  redisDeduped: number;
  localDeduped: number;
  errors: number;
}

function crawler(url: string, count: number, name: string): { ready: Promise<void>; go(at: number): void; done: Promise<CrawlerReport> } {
  const child = runTs(join(__dirname, '../helpers/dedupe-crawler.ts'), [url, String(count), name], join(__dirname, '../..'));
  let out = '';
  let err = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    if (out.startsWith('ready\n')) readyResolve();
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const done = new Promise<CrawlerReport>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`crawler ${name} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.split('\n')[1]!) as CrawlerReport);
    });
  });
  // A crawler that dies before "ready" must fail the test, not hang it.
  done.catch(() => readyResolve());
  return { ready, go: (at: number) => child.stdin.write(`go ${at}\n`), done };
}

describe('shared dedupe in Redis', () => {
  it('two crawler processes checking the same 200 payloads at once store exactly 200 full records', async () => {
    const a = crawler(redis.url, 200, 'a');
    const b = crawler(redis.url, 200, 'b');
    await Promise.all([a.ready, b.ready]);
    const at = Date.now() + 200;
    a.go(at);
    b.go(at);
    const [ra, rb] = await Promise.all([a.done, b.done]);

    const nullsA = ra.first.filter((r) => r.hit === null);
    const nullsB = rb.first.filter((r) => r.hit === null);
    expect(nullsA.length + nullsB.length).toBe(200);
    // Every digest was stored in full by exactly one of them; the other points at that record.
    const byDigestB = new Map(rb.first.map((r) => [r.digest, r]));
    for (const ea of ra.first) {
      const eb = byDigestB.get(ea.digest)!;
      expect((ea.hit === null) !== (eb.hit === null)).toBe(true);
      const [winner, loser] = ea.hit === null ? [ea, eb] : [eb, ea];
      expect(loser.hit).toMatchObject({ source: 'redis', recordId: winner.recordId, targetUri: expect.stringMatching(/^http:\/\/example\.com\/\d+$/) });
    }
    expect(ra.redisDeduped + rb.redisDeduped).toBeGreaterThanOrEqual(200);
    // Second round: nothing is new any more.
    expect(ra.secondNulls + rb.secondNulls).toBe(0);
    expect(ra.errors + rb.errors).toBe(0);
    // What each process stored itself is a local hit; the rest comes from Redis.
    expect(ra.secondSources.filter((s) => s === 'local')).toHaveLength(nullsA.length);
    expect(rb.secondSources.filter((s) => s === 'local')).toHaveLength(nullsB.length);
  });

  it('stores entries with the configured expiry, and an expired entry is claimable again', async () => {
    const client = new Redis(redis.url);
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ redis: { url: redis.url, ttlSeconds: 1, keyPrefix: 'ttltest:' }, metrics });
    try {
      const body = payload(3000, 'ttl');
      const c = candidateFor(body, 'http://e/ttl');
      expect(await index.check(c)).toBeNull();
      const key = `ttltest:${c.payloadDigest}`;
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
      expect(JSON.parse((await client.get(key))!)).toEqual({ recordId: c.recordId, targetUri: 'http://e/ttl', date: c.date.toISOString() });
      expect(await index.check(candidateFor(body, 'http://e/ttl2'))).toMatchObject({ source: 'redis', recordId: c.recordId, date: c.date.toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await client.exists(key)).toBe(0);
      expect(await index.check(candidateFor(body, 'http://e/ttl3'))).toBeNull();
      expect(metrics.value('redis_deduped_total')).toBe(1);
      expect(metrics.value('redis_deduped_bytes_total')).toBe(3000);
    } finally {
      await index.close();
      client.disconnect();
    }
  });

  it('tells the fleet about payloads a remote service knows, and never claims them as ours', async () => {
    const body = payload(3000, 'remote-known');
    const doppel = await startDoppelganger(new Map([[sha1Base32(body), { id: '<urn:uuid:orig>', uri: 'http://e/orig', date: '2024-05-05T05:05:05Z' }]]));
    const one = createDedupeIndex({ redis: { url: redis.url, keyPrefix: 'fleet:' }, doppelganger: { url: doppel.url } });
    const two = createDedupeIndex({ redis: { url: redis.url, keyPrefix: 'fleet:' }, doppelganger: { url: doppel.url } });
    try {
      expect(await one.check(candidateFor(body, 'http://e/1'))).toMatchObject({ source: 'doppelganger', recordId: '<urn:uuid:orig>' });
      expect(doppel.requests).toHaveLength(1);
      // The second crawler learns it from Redis without asking Doppelganger.
      expect(await two.check(candidateFor(body, 'http://e/2'))).toEqual({ source: 'redis', recordId: '<urn:uuid:orig>', targetUri: 'http://e/orig', date: '2024-05-05T05:05:05Z' });
      expect(doppel.requests).toHaveLength(1);
    } finally {
      await Promise.all([one.close(), two.close()]);
      await doppel.close();
    }
  });

  it('an unreachable Redis → full records (nothing lost), errors counted, no hang', async () => {
    const port = await freePort();
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ local: true, redis: { url: `redis://127.0.0.1:${port}/0`, timeout: 500 }, metrics });
    try {
      const started = Date.now();
      const body = payload(3000, 'down');
      expect(await index.check(candidateFor(body, 'http://e/down'))).toBeNull();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(metrics.total('dedupe_lookup_errors_total')).toBe(1);
      // The local table still remembers what was stored.
      expect(await index.check(candidateFor(body, 'http://e/down2'))).toMatchObject({ source: 'local' });
    } finally {
      await index.close();
    }
  });
});
