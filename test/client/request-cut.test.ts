/**
 * An upload the peer cuts off (issue 13, review leftover): the server answers 413
 * after the head and closes while we still send a 20 MiB body. The request record
 * must not pass for the request as sent: it is marked WARC-Truncated.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startTcp, type Running } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';

const UPLOAD = 20 * 1024 * 1024;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-request-cut-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Answers 413 as soon as a request head is in, then closes; counts the bytes it read. */
async function earlyRefusal(): Promise<Running & { received: () => number }> {
  let received = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let head = '';
    const onData = (d: Buffer): void => {
      received += d.length;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      // Stop reading: the rest of the upload stays in the sockets' buffers.
      socket.pause();
      socket.end('HTTP/1.1 413 Content Too Large\r\ncontent-length: 9\r\nconnection: close\r\n\r\ntoo large', () => socket.destroy());
    };
    socket.on('data', onData);
  });
  return { ...(await startTcp(server)), received: () => received };
}

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n === name)?.[1];

test('a 20 MiB upload refused with an early 413: the request record is marked WARC-Truncated, the response recorded whole', async () => {
  const server = await earlyRefusal();
  const client = await WarcClient.create({ writer: { directory: dir } });
  const body = Buffer.alloc(UPLOAD, 'u');
  let written: Awaited<ReturnType<WarcClient['fetch']>>['written'] | undefined;
  try {
    // undici may hand the 413 to the caller or fail the upload (EPIPE/reset): either way the exchange is recorded.
    const res = await client.fetch(`${server.url}/upload`, { method: 'POST', body }).catch(() => undefined);
    if (res !== undefined) {
      expect(res.status).toBe(413);
      await res.text().catch(() => undefined);
      written = res.written;
    }
  } finally {
    await client.close();
    await server.close();
  }
  if (written !== undefined) expect((await written).status).toBe(413);
  const file = readdirSync(dir).find((f) => f.endsWith('.warc.gz'))!;
  const records = (await readAll(join(dir, file))).records;
  const response = records.find((r) => r.type === 'response')!;
  const request = records.find((r) => r.type === 'request')!;
  expect(response.block.toString('latin1')).toMatch(/^HTTP\/1\.1 413 [^]*\r\n\r\ntoo large$/);
  expect(field(response, 'WARC-Truncated')).toBeUndefined();
  expect(field(request, 'WARC-Truncated')).toBe('disconnect');
  // The server read far less than the upload: the record may not claim the whole body went out.
  expect(server.received()).toBeLessThan(UPLOAD);
  expect(request.block.toString('latin1', 0, 21)).toBe('POST /upload HTTP/1.1');
});
