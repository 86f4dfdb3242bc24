/**
 * A complete chunked response whose head ends its lines with bare LF: undici
 * refuses it, the capture (which accepts bare LF, RFC 9112 §2.2) records it as
 * sent, and every reader then finds the head and payload the writer digested,
 * even when the body holds a CRLF CRLF (the last chunk's `0\r\n\r\n` does).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WarcClient } from '../../src/client/warc-client';
import { checkFile } from '../../src/warc/tools/check';
import { WarcReader } from '../../src/warc/read/reader';
import { rawServersPerTest } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';
import { seededBytes } from '../helpers/warc-records';

const GZIPPED = gzipSync(seededBytes(5, 3000));

function chunked(payload: Buffer, cut: number): Buffer {
  const part = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1')]);
  return Buffer.concat([part(payload.subarray(0, cut)), part(payload.subarray(cut)), Buffer.from('0\r\n\r\n', 'latin1')]);
}

let dir: string;
const startRaw = rawServersPerTest();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-bare-lf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// undici refuses bare LF with ERR_BAD_RESPONSE, naming it (not the "is this an HTTP port?" of a non-HTTP peer).
test.each([
  ['bare LF throughout', 'HTTP/1.1 200 OK\nContent-Encoding: gzip\nTransfer-Encoding: chunked\n\n', 'ERR_BAD_RESPONSE'],
  ['a head that ends LF CR LF', 'HTTP/1.1 200 OK\nContent-Encoding: gzip\nTransfer-Encoding: chunked\n\r\n', 'ERR_BAD_RESPONSE'],
  ['a blank line before the status line', '\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', 'ok'],
])('%s: recorded as sent, and check, httpHead() and payload() agree with the writer', async (_name, head, expected) => {
  const sent = Buffer.concat([Buffer.from(head, 'latin1'), chunked(GZIPPED, 100)]);
  const server = await startRaw((socket, _head, _body, write) => {
    write(sent);
    socket.end();
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'gzip' } });
  const outcome = await client.fetch(`${server.url}/bare-lf`).then(
    async (res) => {
      await res.bytes();
      await res.written;
      return 'ok';
    },
    (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
  );
  await client.close();
  expect(outcome).toMatch(expected === 'ok' ? /^ok$/ : /^ERR_BAD_RESPONSE: the response ends its lines with a bare LF/);

  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  expect(file).toBeDefined();
  const path = join(dir, file!);
  expect((await checkFile(path)).errors).toEqual([]);
  const { records } = await readAll(path);
  expect(records.filter((r) => r.type === 'response').map((r) => r.block.equals(sent))).toEqual([true]);
  for await (const record of new WarcReader(path)) {
    if (record.type !== 'response') continue;
    const parsed = await record.httpHead();
    expect([parsed?.status, parsed?.bodyOffset]).toEqual([200, head.length]);
    const payload: Buffer[] = [];
    for await (const piece of record.payload()) payload.push(piece);
    expect(Buffer.concat(payload).equals(GZIPPED)).toBe(true);
  }
});
