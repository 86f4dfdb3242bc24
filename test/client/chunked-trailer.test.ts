/**
 * A chunked response whose trailer holds a line longer than 4 KiB: the capture
 * digests the de-chunked body, and the reader decodes the stored body with the
 * same decoder, so `check` and `payload()` agree with what was written. (The
 * reader had a dechunker of its own that gave up on any line over 4 KiB, trailer
 * lines included, and then reported a payload digest mismatch.)
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { checkFile } from '../../src/warc/tools/check';
import { WarcReader } from '../../src/warc/read/reader';
import { startRaw } from '../helpers/client-servers';
import { seededBytes } from '../helpers/warc-records';

const DATA = seededBytes(12, 3000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-trailer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a 6 KiB trailer line: check is clean and payload() is the de-chunked body', async () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Long\r\n\r\n';
  const trailer = `X-Long: ${'t'.repeat(6000)}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(`${DATA.length.toString(16)}\r\n`), DATA, Buffer.from(`\r\n0\r\n${trailer}`)]);
  const server = await startRaw((socket, _head, _body, write) => {
    write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    socket.end();
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
  try {
    const res = await client.fetch(`${server.url}/trailer`);
    expect((await res.bytes()).equals(DATA)).toBe(true);
    await expect(res.written).resolves.toMatchObject({ status: 200 });
    await client.close();
  } finally {
    await server.close();
  }
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  const path = join(dir, file!);
  const report = await checkFile(path);
  expect(report.errors).toEqual([]);
  expect(report.records.filter((r) => r.type === 'response').map((r) => r.digests)).toEqual([{ block: 'ok', payload: 'ok' }]);
  const payloads: Buffer[] = [];
  for await (const record of new WarcReader(path)) {
    if (record.type !== 'response') continue;
    const pieces: Buffer[] = [];
    for await (const piece of record.payload()) pieces.push(piece);
    payloads.push(Buffer.concat(pieces));
  }
  expect(payloads.map((p) => p.equals(DATA))).toEqual([true]);
});
