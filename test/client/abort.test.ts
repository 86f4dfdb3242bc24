/**
 * Aborts: a caller's AbortSignal after the response head is treated like a
 * cancelled body (with afterAbort 'finish' the pair is still recorded to its end;
 * with 'stop', the default, what arrived is recorded, WARC-Truncated: length);
 * client.abort() cuts transfers for good (the pair is recorded with WARC-Truncated).
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

// [when the signal fires, afterAbort, WARC-Truncated, what the record's block ends with, stats.truncated]
const afterHead: Array<[string, 'finish' | 'stop' | undefined, string | undefined, RegExp, number]> = [
  ['before reading', 'finish', undefined, /\r\n\r\na{1000}b{1000}$/, 0],
  ['after reading part of the body', 'finish', undefined, /\r\n\r\na{1000}b{1000}$/, 0],
  // 'stop' (the default): the second half comes 200 ms later, after the connection was closed.
  ['before reading', undefined, 'length', /\r\n\r\na{1000}$/, 1],
  ['after reading part of the body', undefined, 'length', /\r\n\r\na{1000}$/, 1],
];

test.each(afterHead)(
  'AbortSignal fired %s (head already in), afterAbort %s: the caller gets its abort reason; WARC-Truncated %s',
  async (when, afterAbort, truncated, block, truncatedCount) => {
    const client = await WarcClient.create({ writer: { directory: dir }, ...(afterAbort ? { afterAbort } : {}) });
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
    expect(written.truncated).toBe(truncated);
    const record = await responseRecord();
    expect(record.headers.find(([k]) => k === 'WARC-Truncated')?.[1]).toBe(truncated);
    expect(record.block.toString('latin1')).toMatch(block);
    expect(client.stats).toMatchObject({ written: 1, truncated: truncatedCount });
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
