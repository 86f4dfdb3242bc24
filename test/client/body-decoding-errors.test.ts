/**
 * A body that does not decode as its Content-Encoding says: text(), bytes(),
 * arrayBuffer() and json() reject with a typed ClientError, and the record
 * still holds the bytes exactly as sent.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WarcClient } from '../../src/client/warc-client';
import { ClientError } from '../../src/client/errors';
import { startHttp } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

const NOT_GZIP = Buffer.from('these bytes were never gzipped, whatever the header says');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-body-decoding-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['text', 'gzip'],
  ['bytes', 'gzip'],
  ['arrayBuffer', 'deflate'],
  ['json', 'br'],
] as const)('%s() of a body labelled %s that is not: ClientError ERR_CONTENT_DECODING, record kept as sent', async (method, coding) => {
  const server = await startHttp((_req, res) => {
    res.setHeader('Content-Encoding', coding);
    res.end(NOT_GZIP);
  });
  try {
    const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
    const res = await client.fetch(`${server.url}/mislabelled`);
    const err = await res[method]().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'ERR_CONTENT_DECODING' });
    expect((err as Error).message).toContain(`does not decode as Content-Encoding ${coding}`);
    expect((err as Error).message).toContain('/mislabelled');
    await res.written;
    await client.close();
  } finally {
    await server.close();
  }
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  const { records } = await readAll(join(dir, file!));
  const response = records.find((r) => r.type === 'response')!;
  expect(response.block.subarray(response.block.length - NOT_GZIP.length)).toEqual(NOT_GZIP);
});

test('a body that decodes still reads, and invalid JSON stays a SyntaxError as in fetch()', async () => {
  const server = await startHttp((_req, res) => {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(gzipSync('not json'));
  });
  try {
    const client = await WarcClient.create({ writer: { directory: dir } });
    expect(await (await client.fetch(server.url)).text()).toBe('not json');
    await expect((await client.fetch(server.url)).json()).rejects.toBeInstanceOf(SyntaxError);
    await client.close();
  } finally {
    await server.close();
  }
});
