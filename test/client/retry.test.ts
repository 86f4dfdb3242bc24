/**
 * undici's own retry interceptor over client.dispatcher (issue 13, review leftover):
 * warcwire reports a reset as ClientError ERR_CONNECTION_CLOSED, which undici's default
 * errorCodes do not list; with RETRY_ERROR_CODES it retries, and every attempt that got
 * an answer is recorded.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient, RETRY_ERROR_CODES } from '../../src/client';
import { undici } from '../../src/client/undici';
import { startHttp, type Running } from '../helpers/client-servers';
import { freePort } from '../helpers/net-ports';
import { readAll } from '../helpers/warc-read';

let dir: string;
let server: Running;
let requests = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-retry-'));
  requests = 0;
  // The first request of each test is reset before any answer; later ones are answered.
  server = await startHttp((req, res) => {
    if (++requests === 1) return void req.socket.resetAndDestroy();
    res.end('second time lucky');
  });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const retryOptions = { minTimeout: 10, maxTimeout: 20, maxRetries: 2 };

test("a reset is ERR_CONNECTION_CLOSED, which undici's default errorCodes do not retry", async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const dispatcher = client.dispatcher.compose(undici.interceptors.retry(retryOptions));
  try {
    await expect(undici.request(`${server.url}/`, { dispatcher })).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  } finally {
    await client.close();
  }
  expect(requests).toBe(1);
});

test('with RETRY_ERROR_CODES the interceptor retries the reset; the answered attempt is recorded', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const dispatcher = client.dispatcher.compose(undici.interceptors.retry({ ...retryOptions, errorCodes: [...RETRY_ERROR_CODES] }));
  const written: Array<Promise<unknown>> = [];
  try {
    const res = await undici.request(`${server.url}/`, { dispatcher, warcwire: { onWritten: (w: Promise<unknown>) => written.push(w) } } as never);
    expect(await res.body.text()).toBe('second time lucky');
  } finally {
    await client.close();
  }
  expect(requests).toBe(2);
  // One `written` per attempt: the reset one wrote nothing, the answered one its pair.
  const settled = await Promise.allSettled(written);
  expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled']);
  const file = readdirSync(dir).find((f) => f.endsWith('.warc.gz'))!;
  const responses = (await readAll(join(dir, file))).records.filter((r) => r.type === 'response');
  expect(responses).toHaveLength(1);
  expect(responses[0]!.block.toString('latin1')).toMatch(/second time lucky$/);
});

test('a refused dial (ERR_DIAL_FAILED) is retried with RETRY_ERROR_CODES', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  let attempts = 0;
  const counting = client.dispatcher.compose((dispatch) => (opts, handler) => {
    attempts++;
    return dispatch(opts, handler);
  });
  const dispatcher = counting.compose(undici.interceptors.retry({ ...retryOptions, errorCodes: [...RETRY_ERROR_CODES] }));
  try {
    await expect(undici.request(`http://127.0.0.1:${await freePort()}/`, { dispatcher })).rejects.toMatchObject({ code: 'ERR_DIAL_FAILED' });
  } finally {
    await client.close();
  }
  expect(attempts).toBe(1 + retryOptions.maxRetries);
});
