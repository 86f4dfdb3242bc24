/**
 * A connection that cannot be made while more requests wait for the origin's
 * pool than it has connections: each request fails with its typed error and
 * the process lives on. (A lane freed inside undici's error callback was handed
 * to the next waiting request there and then; undici's Client, still failing its
 * queue, then tripped its own assertion and crashed the process. Found by a
 * Crawlee crawl whose proxy list held a dead proxy.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { WarcwireError } from '../../src/errors';
import { freePort } from '../helpers/net-ports';

let dir: string;
let thrown: unknown[];
const record = (err: unknown): void => void thrown.push(err);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-connect-queue-'));
  thrown = [];
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
  rmSync(dir, { recursive: true, force: true });
});

async function codesOf(requests: Array<Promise<unknown>>): Promise<string[]> {
  const settled = await Promise.allSettled(requests);
  return settled.map((s) => (s.status === 'rejected' && s.reason instanceof WarcwireError ? s.reason.code : `not a typed rejection: ${s.status}`));
}

test.each([
  ['direct to a closed port', (port: number) => ({ url: `http://127.0.0.1:${port}/`, init: {} }), 'ERR_DIAL_FAILED'],
  ['through a proxy that refuses', (port: number) => ({ url: 'http://127.0.0.1:9/', init: { proxy: `http://127.0.0.1:${port}` } }), 'ERR_PROXY_REFUSED'],
])('%s, 4 requests over 1 connection: all fail typed, nothing thrown past them', async (_name, target, code) => {
  const closed = await freePort();
  const client = await WarcClient.create({ writer: { directory: dir }, connectionsPerOrigin: 1 });
  try {
    const { url, init } = target(closed);
    const codes = await codesOf(Array.from({ length: 4 }, () => client.fetch(url, init)));
    // Let anything thrown from undici's callbacks surface before looking.
    await new Promise((r) => setTimeout(r, 50));
    expect(codes).toEqual([code, code, code, code]);
    expect(thrown).toEqual([]);
  } finally {
    await client.close();
  }
});
