/**
 * A response that by HTTP has no body (to a HEAD, a 304, a 204) but arrives
 * with one anyway, in the same packet as its head. The head is a whole
 * response: the caller gets it and the pair is recorded complete, block = the
 * head. The stray bytes answer no request, so the connection is closed after
 * the caller has its response (not before: the capture sees a chunk before
 * undici does), and the next request gets a fresh connection.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { rawServersPerTest } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

let dir: string;
const startRaw = rawServersPerTest();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-bodiless-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['HEAD', '200 OK'],
  ['GET', '304 Not Modified'],
  ['GET', '204 No Content'],
])('%s answered %s with a body: the caller gets the head, recorded complete; the next request works', async (method, status) => {
  const head = `HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\n`;
  const server = await startRaw((socket, requestHead, _body, write) => {
    if (requestHead.includes(' /next ')) write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
    else write(`${head}hello`);
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
  try {
    const res = await client.fetch(`${server.url}/bodiless`, { method });
    expect([res.status, (await res.bytes()).length]).toEqual([Number(status.slice(0, 3)), 0]);
    expect((await res.written).response).toBeDefined();
    const next = await client.fetch(`${server.url}/next`);
    expect([next.status, await next.text()]).toEqual([200, 'next']);
    await next.written;
  } finally {
    await client.close();
  }
  expect(server.accepted.length).toBe(2);
  const records = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.warc'))) records.push(...(await readAll(join(dir, file))).records);
  const responses = records.filter((r) => r.type === 'response');
  expect(responses.map((r) => r.block.toString('latin1'))).toEqual([head, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext']);
  expect(responses.map((r) => r.headers.some(([n]) => n === 'WARC-Truncated'))).toEqual([false, false]);
});
