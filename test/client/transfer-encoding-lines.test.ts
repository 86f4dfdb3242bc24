/**
 * Chunked responses as the capture frames them and the reader reads them back:
 * the capture's framer takes the last coding of all Transfer-Encoding lines
 * and digests the de-chunked body; `check` and `payload()` decide chunked the
 * same way and de-chunk with the same decoder, so our own check of what we
 * wrote is clean.
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

/** Captures one response sent exactly as `wire` and returns the WARC file; `received` is what the caller read. */
async function capture(wire: string | Buffer): Promise<{ path: string; received: Buffer | undefined }> {
  const server = await startRaw((socket, _head, _body, write) => {
    write(wire);
    socket.end();
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
  let received: Buffer | undefined;
  try {
    const res = await client.fetch(`${server.url}/chunked`);
    // What undici makes of an odd transfer coding is not the point here.
    received = await res.bytes().then((b) => Buffer.from(b), () => undefined);
    await expect(res.written).resolves.toMatchObject({ status: 200 });
    await client.close();
  } finally {
    await server.close();
  }
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  return { path: join(dir, file!), received };
}

async function responsePayloads(path: string): Promise<Buffer[]> {
  const payloads: Buffer[] = [];
  for await (const record of new WarcReader(path)) {
    if (record.type !== 'response') continue;
    const pieces: Buffer[] = [];
    for await (const piece of record.payload()) pieces.push(piece);
    payloads.push(Buffer.concat(pieces));
  }
  return payloads;
}

test('Transfer-Encoding: gzip, then a second line Transfer-Encoding: chunked: check is clean, payload() undoes both', async () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n';
  const body = Buffer.concat([Buffer.from(`${GZIPPED.length.toString(16)}\r\n`), GZIPPED, Buffer.from('\r\n0\r\n\r\n')]);
  const { path } = await capture(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  expect((await checkFile(path)).errors).toEqual([]);
  expect((await responsePayloads(path)).map((p) => p.equals(DATA))).toEqual([true]);
});

// The reader had a dechunker of its own that gave up on any line over 4 KiB, trailer lines
// included, and then reported a payload-digest mismatch on a record warcwire had written.
test('a 6 KiB trailer line: check is clean and payload() is the de-chunked body', async () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Long\r\n\r\n';
  const trailer = `X-Long: ${'t'.repeat(6000)}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(`${DATA.length.toString(16)}\r\n`), DATA, Buffer.from(`\r\n0\r\n${trailer}`)]);
  const { path, received } = await capture(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  expect(received?.equals(DATA)).toBe(true);
  const report = await checkFile(path);
  expect(report.errors).toEqual([]);
  expect(report.records.filter((r) => r.type === 'response').map((r) => r.digests)).toEqual([{ block: 'ok', payload: 'ok' }]);
  expect((await responsePayloads(path)).map((p) => p.equals(DATA))).toEqual([true]);
});
