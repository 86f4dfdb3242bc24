import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { DedupeError } from '../../src/dedupe/errors';
import { startRedis } from '../helpers/dedupe-redis';
import { startCdx, startDoppelganger, startHungServer } from '../helpers/dedupe-services';
import { freePort } from '../helpers/net-ports';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

async function rejection(p: Promise<unknown>): Promise<DedupeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DedupeError);
    return err as DedupeError;
  }
  throw new Error('expected a rejection');
}

test('a config with no source is refused, naming the four sources', () => {
  let caught: unknown;
  try {
    createDedupeIndex({ sizeThreshold: 10 });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DedupeError);
  expect((caught as DedupeError).code).toBe('ERR_DEDUPE_CONFIG');
  expect((caught as DedupeError).message).toMatch(/local.*redis.*doppelganger.*cdx/);
  expect(() => createDedupeIndex({})).toThrow(DedupeError);
});

test('a local-only index pings at once; a closed one refuses', async () => {
  const index = createDedupeIndex({ local: true });
  await expect(index.ping()).resolves.toBeUndefined();
  await index.close();
  expect((await rejection(index.ping())).code).toBe('ERR_DEDUPE_CLOSED');
});

test('reachable Redis, Doppelganger and CDX all pass', async () => {
  const redis = await startRedis();
  const dg = await startDoppelganger(new Map());
  const cdx = await startCdx(new Map());
  const index = createDedupeIndex({ local: true, redis: { url: redis.url, timeout: 2000 }, doppelganger: { url: dg.url, timeout: 2000 }, cdx: { url: cdx.url, timeout: 2000 } });
  try {
    await expect(index.ping()).resolves.toBeUndefined();
    expect(dg.requests).toHaveLength(1);
    expect(cdx.requests).toHaveLength(1);
  } finally {
    await index.close();
    await Promise.all([redis.stop(), dg.close(), cdx.close()]);
  }
});

test('Redis down: rejects naming redis, even though the HTTP source is fine', async () => {
  const port = await freePort();
  const cdx = await startCdx(new Map());
  const index = createDedupeIndex({ redis: { url: `redis://127.0.0.1:${port}/0`, timeout: 500 }, cdx: { url: cdx.url, timeout: 2000 } });
  try {
    const started = Date.now();
    const err = await rejection(index.ping());
    expect(err.code).toBe('ERR_DEDUPE_UNREACHABLE');
    expect(err.source).toBe('redis');
    expect(err.message).toContain('redis');
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    await index.close();
    await cdx.close();
  }
});

test('CDX port closed, Doppelganger hung: names the first failing source in lookup order', async () => {
  const port = await freePort();
  const hung = await startHungServer();
  const index = createDedupeIndex({ doppelganger: { url: hung.url, timeout: 300 }, cdx: { url: `http://127.0.0.1:${port}`, timeout: 300 } });
  try {
    const started = Date.now();
    const err = await rejection(index.ping());
    expect(err.code).toBe('ERR_DEDUPE_UNREACHABLE');
    expect(err.source).toBe('doppelganger');
    expect(err.message).toMatch(/doppelganger: no answer .* within 300 ms/);
    expect(err.message).toContain('cdx:');
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    await index.close();
    await hung.close();
  }
});

test('an HTTP source answering 5xx is unreachable; 4xx on the base URL is fine', async () => {
  let status = 503;
  const server = http.createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const index = createDedupeIndex({ cdx: { url, timeout: 1000 } });
  try {
    const err = await rejection(index.ping());
    expect(err.source).toBe('cdx');
    expect(err.message).toContain('503');
    status = 404;
    await expect(index.ping()).resolves.toBeUndefined();
  } finally {
    await index.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
