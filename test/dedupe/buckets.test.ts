/**
 * Per-exchange dedupe buckets (issue 14): a payload archived in bucket A is a revisit
 * target in bucket A only, through every entry point of the client (fetch, the
 * `warcwire` dispatch option, dispatcherWith, the http agents), in the local table and
 * in Redis; no bucket keeps today's table and Redis keys.
 */
import * as http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { WarcClient } from '../../src/client';
import type { WrittenExchange } from '../../src/client/pending-write';
import { undici } from '../../src/client/undici';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import type { DedupeIndex } from '../../src/dedupe/types';
import { DedupeError } from '../../src/dedupe/errors';
import { startHttp, type Running } from '../helpers/client-servers';
import { candidateFor, payload, sha1Base32 } from '../helpers/dedupe-candidates';
import { startRedis } from '../helpers/dedupe-redis';
import { cdxLine, startCdx } from '../helpers/dedupe-services';
import { readWithWarcio } from '../helpers/dedupe-warcio';

jest.setTimeout(30000);

const BODY = payload(4096, 'the same payload in every bucket');

let dir: string;
let origin: Running;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-buckets-'));
  origin = await startHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
    res.end(BODY);
  });
});
afterEach(async () => {
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
});

async function viaFetch(client: WarcClient, path: string, dedupeBucket?: string): Promise<WrittenExchange> {
  const res = await client.fetch(origin.url + path, dedupeBucket === undefined ? {} : { dedupeBucket });
  expect((await res.bytes()).equals(BODY)).toBe(true);
  return res.written;
}

type RequestOptions = Parameters<typeof undici.request>[1];

async function viaDispatchOption(client: WarcClient, path: string, dedupeBucket: string): Promise<WrittenExchange> {
  let written: Promise<WrittenExchange> | undefined;
  const res = await undici.request(origin.url + path, {
    dispatcher: client.dispatcher,
    warcwire: { dedupeBucket, onWritten: (w: Promise<WrittenExchange>) => (written = w) },
  } as RequestOptions);
  expect(Buffer.from(await res.body.arrayBuffer()).equals(BODY)).toBe(true);
  return written!;
}

async function viaDispatcherWith(client: WarcClient, path: string, dedupeBucket: string): Promise<WrittenExchange> {
  let written: Promise<WrittenExchange> | undefined;
  const res = await undici.request(origin.url + path, { dispatcher: client.dispatcherWith({ dedupeBucket, onWritten: (w) => (written = w) }) });
  expect(Buffer.from(await res.body.arrayBuffer()).equals(BODY)).toBe(true);
  return written!;
}

async function viaAgent(client: WarcClient, path: string, dedupeBucket: string): Promise<WrittenExchange> {
  let written: Promise<WrittenExchange> | undefined;
  const { http: agent } = client.agents({ dedupeBucket, onWritten: (w) => (written = w) });
  const body = await new Promise<Buffer>((resolve, reject) => {
    http
      .get(origin.url + path, { agent }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  expect(body.equals(BODY)).toBe(true);
  return written!;
}

function warcFile(): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}

describe('dedupe buckets in the local table', () => {
  let dedupe: DedupeIndex;
  let client: WarcClient;
  beforeEach(async () => {
    dedupe = createDedupeIndex({ local: true });
    client = await WarcClient.create({ writer: { directory: dir, prefix: 'BUCKETS' }, dedupe });
  });
  afterEach(async () => {
    await client.close();
    await dedupe.close();
  });

  it('the same payload in two buckets is written in full twice; again in the same bucket it is a revisit of that bucket’s record', async () => {
    const a1 = await viaFetch(client, '/a1', 'A');
    const b1 = await viaDispatchOption(client, '/b1', 'B');
    const a2 = await viaDispatcherWith(client, '/a2', 'A');
    const b2 = await viaAgent(client, '/b2', 'B');
    const none1 = await viaFetch(client, '/none1');
    const none2 = await viaFetch(client, '/none2');
    expect([a1, b1, a2, b2, none1, none2].map((w) => w.revisit === true)).toEqual([false, false, true, true, false, true]);
    expect(client.stats.revisits).toBe(3);
    // The bucket is not a connection control: one connection for the dispatcher's requests, one for the agent's.
    expect(origin.accepted).toHaveLength(2);
    await client.close();

    const responses = (await readWithWarcio(warcFile())).filter((r) => r.type === 'response' || r.type === 'revisit');
    const byPath = new Map(responses.map((r) => [r.headers['WARC-Target-URI']!.slice(origin.url.length), r]));
    expect(responses.map((r) => [r.headers['WARC-Target-URI']!.slice(origin.url.length), r.type])).toEqual([
      ['/a1', 'response'],
      ['/b1', 'response'],
      ['/a2', 'revisit'],
      ['/b2', 'revisit'],
      ['/none1', 'response'],
      ['/none2', 'revisit'],
    ]);
    for (const [revisit, original] of [['/a2', '/a1'], ['/b2', '/b1'], ['/none2', '/none1']] as const) {
      expect(byPath.get(revisit)!.headers['WARC-Refers-To']).toBe(byPath.get(original)!.headers['WARC-Record-ID']);
      expect(byPath.get(revisit)!.headers['WARC-Refers-To-Target-URI']).toBe(origin.url + original);
    }
  });

});

describe('dedupe buckets and the remote services', () => {
  it('CDX is asked about bucket-less exchanges only', async () => {
    const cdx = await startCdx(new Map([[`${origin.url}/archived`, [cdxLine({ timestamp: '20200102030405', original: `${origin.url}/archived`, mime: 'application/octet-stream', status: '200', digest: sha1Base32(BODY) })]]]));
    const dedupe = createDedupeIndex({ cdx: { url: cdx.url, timeout: 2000 } });
    const client = await WarcClient.create({ writer: { directory: dir }, dedupe });
    try {
      const inBucket = await viaFetch(client, '/archived', 'A');
      expect(inBucket.revisit).toBeUndefined();
      expect(cdx.requests).toHaveLength(0);
      const without = await viaFetch(client, '/archived');
      expect(without.revisit).toBe(true);
      expect(cdx.requests).toHaveLength(1);
    } finally {
      await client.close();
      await dedupe.close();
      await cdx.close();
    }
  });
});

describe('dedupe buckets in Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two clients sharing Redis: bucket A’s payload is not a revisit target in bucket B; keys are bucket:digest, bucket-less keys as before', async () => {
    const keyPrefix = `buckets-${process.pid}:`;
    const indexes = [createDedupeIndex({ redis: { url: redis.url, keyPrefix } }), createDedupeIndex({ redis: { url: redis.url, keyPrefix } })];
    const [one, two] = await Promise.all(indexes.map((dedupe) => WarcClient.create({ writer: { directory: dir }, dedupe })));
    const inspect = new Redis(redis.url);
    try {
      const a1 = await viaFetch(one!, '/a1', 'A');
      const b1 = await viaDispatchOption(two!, '/b1', 'B');
      const a2 = await viaDispatcherWith(two!, '/a2', 'A');
      const none1 = await viaFetch(two!, '/none1');
      const none2 = await viaFetch(one!, '/none2');
      expect([a1, b1, a2, none1, none2].map((w) => w.revisit === true)).toEqual([false, false, true, false, true]);
      const digest = `sha1:${sha1Base32(BODY)}`;
      expect((await inspect.keys(`${keyPrefix}*`)).sort()).toEqual([`${keyPrefix}A:${digest}`, `${keyPrefix}B:${digest}`, `${keyPrefix}${digest}`].sort());
      expect(JSON.parse((await inspect.get(`${keyPrefix}A:${digest}`))!)).toMatchObject({ recordId: a1.response.id, targetUri: `${origin.url}/a1` });
    } finally {
      inspect.disconnect();
      await Promise.all([one!.close(), two!.close()]);
      await Promise.all(indexes.map((d) => d.close()));
    }
  });

  it('checks in flight at once: another bucket’s does not answer for it, the same bucket’s does', async () => {
    const dedupe = createDedupeIndex({ local: true, redis: { url: redis.url, keyPrefix: `in-flight-${process.pid}:` } });
    try {
      const uri = 'http://example.com/';
      // Not awaited one by one: each waits on Redis, so the second is asked while the first is in flight.
      const [a, b] = await Promise.all([dedupe.check({ ...candidateFor(BODY, uri), bucket: 'A' }), dedupe.check({ ...candidateFor(BODY, uri), bucket: 'B' })]);
      expect([a, b]).toEqual([null, null]);
      const first = { ...candidateFor(BODY, `${uri}c1`), bucket: 'C' };
      const [c1, c2] = await Promise.all([dedupe.check(first), dedupe.check({ ...candidateFor(BODY, `${uri}c2`), bucket: 'C' })]);
      expect(c1).toBeNull();
      expect(c2).toMatchObject({ source: 'local', recordId: first.recordId, targetUri: first.targetUri });
    } finally {
      await dedupe.close();
    }
  });
});

describe('bad buckets', () => {
  it.each([[''], [5], ['x'.repeat(257)], ['a\nb']])('dedupeBucket %j is refused with ERR_INVALID_SETTING on every entry point', async (bad) => {
    const client = await WarcClient.create({ writer: { directory: dir } });
    try {
      const refused = { name: 'ClientError', code: 'ERR_INVALID_SETTING', message: expect.stringContaining('dedupeBucket') };
      await expect(client.fetch(origin.url, { dedupeBucket: bad as string })).rejects.toMatchObject(refused);
      expect(() => client.dispatcherWith({ dedupeBucket: bad as string })).toThrow(expect.objectContaining(refused));
      expect(() => client.agents({ dedupeBucket: bad as string })).toThrow(expect.objectContaining(refused));
      await expect(undici.request(origin.url, { dispatcher: client.dispatcher, warcwire: { dedupeBucket: bad } } as RequestOptions)).rejects.toMatchObject(refused);
      expect(origin.accepted).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('a candidate with a bad bucket is refused by the index with ERR_DEDUPE_INPUT', async () => {
    const dedupe = createDedupeIndex({ local: true });
    try {
      await expect(dedupe.check({ ...candidateFor(BODY, 'http://example.com/'), bucket: '' })).rejects.toThrow(DedupeError);
      await expect(dedupe.check({ ...candidateFor(BODY, 'http://example.com/'), bucket: 'a\u0000' })).rejects.toMatchObject({ code: 'ERR_DEDUPE_INPUT' });
    } finally {
      await dedupe.close();
    }
  });
});
