/**
 * A gzip bomb to fetch(): 64 KiB on the wire, 64 MiB decoded. maxResponseBytes bounds
 * the bytes recorded, not what decoding makes of them; the readers that gather the
 * whole body (bytes(), text(), arrayBuffer(), json()) are bounded by
 * maxBufferedBodyBytes, counted decoded, so a small response cannot make them hold
 * gigabytes: past it they reject with ClientError ERR_BODY_TOO_LARGE. A stream
 * (nodeStream(), body) has no such bound, and the record keeps the bytes as sent, whole.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WarcClient } from '../../src/client/warc-client';
import { ClientError } from '../../src/client/errors';
import { startHttp, type Running } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

const DECODED = 64 * 1024 * 1024;
const BOMB = gzipSync(Buffer.alloc(DECODED), { level: 9 });
/** maxBufferedBodyBytes of the test's clients. */
const CAP = 1024 * 1024;

let dir: string;
let server: Running;
beforeAll(async () => {
  server = await startHttp((_req, res) => {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(BOMB);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-bomb-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each(['bytes', 'text', 'arrayBuffer', 'json'] as const)('%s() of a gzip bomb stops at maxBufferedBodyBytes decoded: ERR_BODY_TOO_LARGE; the record is whole', async (method) => {
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' }, maxBufferedBodyBytes: CAP });
  try {
    // 'finish': the capture reads the response to its end whenever the reader gives up.
    const res = await client.fetch(`${server.url}/bomb`, { afterAbort: 'finish' });
    const err = await res[method]().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'ERR_BODY_TOO_LARGE', message: expect.stringContaining(`over maxBufferedBodyBytes (${CAP}) decoded`) });
    await res.written;
  } finally {
    await client.close();
  }
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  const responses = (await readAll(join(dir, file!))).records.filter((r) => r.type === 'response');
  expect(responses.map((r) => [r.headers.some(([n]) => n === 'WARC-Truncated'), r.block.subarray(r.block.length - BOMB.length).equals(BOMB)])).toEqual([[false, true]]);
});

test('a stream of the same bomb is not bounded: all 64 MiB decoded', async () => {
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' }, maxBufferedBodyBytes: CAP });
  try {
    const res = await client.fetch(`${server.url}/bomb`);
    let size = 0;
    for await (const chunk of res.nodeStream()) size += (chunk as Buffer).length;
    expect(size).toBe(DECODED);
    await res.written;
  } finally {
    await client.close();
  }
});

test('maxBufferedBodyBytes must be a positive number', async () => {
  await expect(WarcClient.create({ writer: { directory: dir }, maxBufferedBodyBytes: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringContaining('maxBufferedBodyBytes') });
});
