/**
 * Transfer codings named over several Transfer-Encoding lines: the capture's
 * framer takes the last coding of all of them (`chunked` here) and digests the
 * de-chunked body; `check` and `payload()` decide chunked the same way, so our
 * own check of what we wrote is clean.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WarcClient } from '../../src/client/warc-client';
import { checkFile } from '../../src/warc/tools/check';
import { WarcReader } from '../../src/warc/read/reader';
import { startRaw } from '../helpers/client-servers';
import { seededBytes } from '../helpers/warc-records';

const DATA = seededBytes(9, 2000);
const GZIPPED = gzipSync(DATA);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-te-lines-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('Transfer-Encoding: gzip, then a second line Transfer-Encoding: chunked: check is clean, payload() undoes both', async () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n';
  const body = Buffer.concat([Buffer.from(`${GZIPPED.length.toString(16)}\r\n`), GZIPPED, Buffer.from('\r\n0\r\n\r\n')]);
  const server = await startRaw((socket, _head, _body, write) => {
    write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    socket.end();
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
  try {
    const res = await client.fetch(`${server.url}/two-lines`);
    await res.bytes().catch(() => undefined); // what undici makes of the gzip transfer coding is not the point
    await expect(res.written).resolves.toMatchObject({ status: 200 });
    await client.close();
  } finally {
    await server.close();
  }
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  const path = join(dir, file!);
  expect((await checkFile(path)).errors).toEqual([]);
  const payloads: Buffer[] = [];
  for await (const record of new WarcReader(path)) {
    if (record.type !== 'response') continue;
    const pieces: Buffer[] = [];
    for await (const piece of record.payload()) pieces.push(piece);
    payloads.push(Buffer.concat(pieces));
  }
  expect(payloads.map((p) => p.equals(DATA))).toEqual([true]);
});
