/**
 * An abort (the caller's signal) while the request still waits for its
 * connection: the request fails at once with the signal's reason, the dial under
 * it is stopped, and the lane is free again. undici hands a handler the signal
 * only once connected, so before this an abort during a proxy handshake that
 * never answered waited for the dial timeout (found by a Crawlee crawl with an
 * unresponsive proxy: sendRequest's 500 ms timeout took the full dial timeout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import type { Logger } from '../../src/obs/logger';
import { startHttp, type Running } from '../helpers/client-servers';
import { settleTime, startSilentServer, type SilentServer } from '../helpers/silent-server';

const DIAL_TIMEOUT = 8000;
let dir: string;
let silent: SilentServer;
let origin: Running;

beforeAll(async () => {
  silent = await startSilentServer();
  origin = await startHttp((_req, res) => res.end('ok'));
});
afterAll(async () => {
  await silent.close();
  await origin.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-abort-connecting-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('an abort during the proxy handshake fails the request at once with its reason; the dial is stopped', async () => {
  const client = await WarcClient.create({ writer: { directory: dir }, timeouts: { dial: DIAL_TIMEOUT } });
  try {
    const reason = new Error('the crawler gave up');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 200);
    const before = { accepted: silent.accepted(), closed: silent.closedByClient() };
    const { ms, error } = await settleTime(client.fetch(`${origin.url}/`, { proxy: silent.url, signal: controller.signal }));
    expect(error).toBe(reason);
    expect(ms).toBeLessThan(DIAL_TIMEOUT / 4);
    // The proxy saw the dial; its socket was closed by us, not left to the dial timeout.
    expect(silent.accepted()).toBe(before.accepted + 1);
    for (let i = 0; i < 50 && silent.closedByClient() === before.closed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(silent.closedByClient()).toBe(before.closed + 1);
    // The lane is free: the next request through a working route goes out.
    const res = await client.fetch(`${origin.url}/after`, { proxy: null });
    expect(await res.text()).toBe('ok');
  } finally {
    await client.close();
  }
});

test('a dial stopped by its caller is not logged as a failed connection', async () => {
  const errors: string[] = [];
  const noop = (): void => undefined;
  const logger: Logger = { debug: noop, info: noop, warn: noop, error: (_fields, msg) => void errors.push(msg) };
  const client = await WarcClient.create({ writer: { directory: dir }, logger, timeouts: { dial: DIAL_TIMEOUT } });
  try {
    const { error } = await settleTime(client.fetch(`${origin.url}/`, { proxy: silent.url, signal: AbortSignal.timeout(150) }));
    expect((error as Error).name).toBe('TimeoutError');
    expect(errors).toEqual([]);
  } finally {
    await client.close();
  }
});

test('an abort of a request queued behind a dialing one fails it at once (the queue has no dial to wait for)', async () => {
  const client = await WarcClient.create({ writer: { directory: dir }, connectionsPerOrigin: 1, timeouts: { dial: DIAL_TIMEOUT } });
  try {
    const first = new AbortController();
    const second = new AbortController();
    const dialing = client.fetch(`${origin.url}/1`, { proxy: silent.url, signal: first.signal });
    const queued = client.fetch(`${origin.url}/2`, { proxy: silent.url, signal: second.signal });
    setTimeout(() => second.abort(), 200);
    const { ms, error } = await settleTime(queued);
    expect((error as Error).name).toBe('AbortError');
    expect(ms).toBeLessThan(DIAL_TIMEOUT / 4);
    first.abort();
    expect((await settleTime(dialing)).ms).toBeLessThan(DIAL_TIMEOUT / 4);
  } finally {
    await client.close();
  }
});
