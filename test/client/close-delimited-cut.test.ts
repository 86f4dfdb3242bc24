/**
 * A body delimited by the connection's close is whole only when the server
 * closes it (FIN). When our side closes first (idle-read timeout, undici giving
 * up, an abort) the record is a prefix of what the server would have sent and
 * says so with WARC-Truncated, and `written` reports the truncation.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { startRaw } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

const HEAD = 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-close-delimited-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function responseRecord(): Promise<{ headers: Array<[string, string]>; block: Buffer }> {
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  const { records } = await readAll(join(dir, file!));
  return records.find((r) => r.type === 'response')!;
}

test('the server stalls mid-body and the idle-read timeout cuts it: WARC-Truncated: time', async () => {
  const server = await startRaw((_socket, _head, _body, write) => write(`${HEAD}the first part`)); // never closes
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' }, timeouts: { idleRead: 300 } });
  try {
    const res = await client.fetch(`${server.url}/stalls`);
    await expect(res.bytes()).rejects.toMatchObject({ code: 'ERR_IDLE_READ_TIMEOUT' });
    await expect(res.written).resolves.toMatchObject({ truncated: 'time' });
    await client.close();
  } finally {
    await server.close();
  }
  const record = await responseRecord();
  expect(record.block.toString('latin1')).toBe(`${HEAD}the first part`);
  expect(record.headers.filter(([n]) => n === 'WARC-Truncated')).toEqual([['WARC-Truncated', 'time']]);
  expect(record.headers.some(([n]) => n === 'WARC-Payload-Digest')).toBe(false);
});

test('the server closes after the body: a whole record, no WARC-Truncated', async () => {
  const server = await startRaw((socket, _head, _body, write) => {
    write(`${HEAD}all of it`);
    socket.end();
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
  try {
    const res = await client.fetch(`${server.url}/whole`);
    expect((await res.bytes()).toString()).toBe('all of it');
    const written = await res.written;
    expect(written.truncated).toBeUndefined();
    await client.close();
  } finally {
    await server.close();
  }
  const record = await responseRecord();
  expect(record.headers.some(([n]) => n === 'WARC-Truncated')).toBe(false);
  expect(record.headers.some(([n]) => n === 'WARC-Payload-Digest')).toBe(true);
});
