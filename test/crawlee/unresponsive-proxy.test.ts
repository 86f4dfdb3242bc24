/**
 * A session whose proxy accepts connections and never answers (the dead proxy
 * of a rotation): sendRequest's `timeout.request` and `signal` end the call on
 * time, as with Crawlee's default got client, instead of after the client's dial
 * timeout. `context.sendRequest()` has no navigation timeout of Crawlee's around it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { WarcwireError } from '../../src/errors';
import { WarcHttpClient } from '../../src/crawlee';
import { settleTime, startSilentServer, type SilentServer } from '../helpers/silent-server';

const DIAL_TIMEOUT = 8000;
let dir: string;
let warc: WarcClient;
let silent: SilentServer;
let proxyUrl: string;

beforeAll(async () => {
  silent = await startSilentServer();
  proxyUrl = silent.url;
});
afterAll(() => silent.close());
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-crawlee-silent-proxy-'));
  warc = await WarcClient.create({ writer: { directory: dir }, timeouts: { dial: DIAL_TIMEOUT } });
});
afterEach(async () => {
  await warc.close();
  rmSync(dir, { recursive: true, force: true });
});

test('timeout.request ends the call while the proxy handshake hangs: ERR_REQUEST_TIMEOUT on time', async () => {
  const client = new WarcHttpClient(warc);
  const { ms, error } = await settleTime(client.sendRequest({ url: new URL('http://127.0.0.1:9/page'), proxyUrl, timeout: { request: 300 } }));
  expect(error).toBeInstanceOf(WarcwireError);
  expect((error as WarcwireError).code).toBe('ERR_REQUEST_TIMEOUT');
  expect(ms).toBeLessThan(DIAL_TIMEOUT / 4);
});

test("the caller's signal ends the call while the proxy handshake hangs", async () => {
  const client = new WarcHttpClient(warc);
  const reason = new Error('navigation given up');
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), 300);
  const { ms, error } = await settleTime(client.stream({ url: new URL('http://127.0.0.1:9/page'), proxyUrl, signal: controller.signal }));
  expect(error).toBe(reason);
  expect(ms).toBeLessThan(DIAL_TIMEOUT / 4);
});
