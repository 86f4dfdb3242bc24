/**
 * Aborts: a caller's AbortSignal after the response head is treated like a
 * cancelled body (the pair is still recorded to its end); client.abort() cuts
 * transfers for good (the pair is recorded with WARC-Truncated).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { startHttp, type Running } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

let dir: string;
let server: Running;
const held = new Set<ServerResponse>();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-abort-'));
  // Head and the first half at once; the second half 200 ms later (/stall: never).
  server = await startHttp((req, res) => {
    held.add(res);
    res.on('close', () => held.delete(res));
    res.writeHead(200, { 'content-length': '2000' });
    res.write('a'.repeat(1000));
    if (req.url !== '/stall') setTimeout(() => res.end('b'.repeat(1000)), 200);
  });
});
afterEach(async () => {
  for (const r of held) r.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function responseRecord(): Promise<{ headers: Array<[string, string]>; block: Buffer }> {
  const file = readdirSync(dir).find((f) => f.endsWith('.warc.gz'))!;
  const { records } = await readAll(join(dir, file));
  return records.find((r) => r.type === 'response')!;
}

test.each(['before reading', 'after reading part of the body'])(
  'AbortSignal fired %s (head already in): the caller gets its abort reason, the whole response is recorded',
  async (when) => {
    const client = await WarcClient.create({ writer: { directory: dir } });
    const controller = new AbortController();
    const res = await client.fetch(`${server.url}/half`, { signal: controller.signal });
    const body = res.nodeStream();
    if (when === 'before reading') controller.abort();
    else body.once('data', () => controller.abort());
    await expect((async () => {
      for await (const chunk of body) void chunk;
    })()).rejects.toMatchObject({ name: 'AbortError' });
    const written = await res.written;
    await client.close();
    expect(written.status).toBe(200);
    const record = await responseRecord();
    expect(record.headers.find(([k]) => k === 'WARC-Truncated')).toBeUndefined();
    expect(record.block.toString('latin1')).toMatch(/\r\n\r\na{1000}b{1000}$/);
    expect(client.stats).toMatchObject({ written: 1, truncated: 0 });
  },
);

test('client.abort() cuts a running transfer: ERR_ABORTED for the caller, the pair recorded with WARC-Truncated', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const res = await client.fetch(`${server.url}/stall`);
  const reading = res.text().then(() => 'resolved', (err: unknown) => err);
  await new Promise((r) => setTimeout(r, 50));
  await client.abort();
  expect(await reading).toMatchObject({ code: 'ERR_ABORTED' });
  const written = await res.written;
  await client.close();
  expect(written.status).toBe(200);
  const record = await responseRecord();
  expect(record.headers.find(([k]) => k === 'WARC-Truncated')?.[1]).toMatch(/^(disconnect|unspecified)$/);
  expect(record.block.toString('latin1')).toMatch(/\r\n\r\na{1000}$/);
  expect(client.stats).toMatchObject({ written: 1, truncated: 1 });
  expect(readdirSync(dir).filter((f) => f.endsWith('.open'))).toEqual([]);
});

test('close({ graceMs }) lets a request that ends in time finish, and cuts one that does not', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const quick = await client.fetch(`${server.url}/half`);
  const stalled = await client.fetch(`${server.url}/stall`);
  const quickText = quick.text();
  // Settled while close() runs: take the outcome as a value so it is never an unhandled rejection.
  const stalledText = stalled.text().then(() => 'resolved', (err: unknown) => err);
  await client.close({ graceMs: 600 });
  expect(await quickText).toBe('a'.repeat(1000) + 'b'.repeat(1000));
  expect(await stalledText).toMatchObject({ code: 'ERR_ABORTED' });
  await quick.written;
  await stalled.written;
  expect(client.stats).toMatchObject({ written: 2, truncated: 1 });
});
