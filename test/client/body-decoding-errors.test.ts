/**
 * A body that does not decode as its Content-Encoding says: text(), bytes(),
 * arrayBuffer() and json() reject, and the streams (nodeStream(), body) fail,
 * with a typed ClientError; the record still holds the bytes exactly as sent.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WarcClient } from '../../src/client/warc-client';
import type { WarcResponse } from '../../src/client/response';
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

/** Reads a body the three streaming ways a caller can, and returns what reading failed with. */
const streamReaders = {
  'nodeStream() events': (res: WarcResponse) =>
    new Promise<unknown>((resolve) => {
      const s = res.nodeStream();
      s.on('data', () => undefined);
      s.on('error', resolve);
      s.on('end', () => resolve(undefined));
    }),
  'for await over nodeStream()': async (res: WarcResponse) => {
    try {
      for await (const _chunk of res.nodeStream());
    } catch (e) {
      return e;
    }
    return undefined;
  },
  'body (a web stream) reader': async (res: WarcResponse) => {
    const reader = res.body.getReader();
    try {
      while (!(await reader.read()).done);
    } catch (e) {
      return e;
    }
    return undefined;
  },
};

test.each(Object.keys(streamReaders) as Array<keyof typeof streamReaders>)(
  '%s of a body that does not decode: ClientError ERR_CONTENT_DECODING, not the decoder\'s own error',
  async (how) => {
    const server = await startHttp((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(NOT_GZIP);
    });
    try {
      const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
      const res = await client.fetch(`${server.url}/streamed`);
      const err = await streamReaders[how](res);
      expect(err).toBeInstanceOf(ClientError);
      expect(err).toMatchObject({ code: 'ERR_CONTENT_DECODING', cause: expect.objectContaining({ code: 'Z_DATA_ERROR' }) });
      expect((err as Error).message).toContain('/streamed');
      await res.written;
      await client.close();
    } finally {
      await server.close();
    }
  },
);

test('a decoded body the caller destroys halfway lets go of the exchange as an abort does (afterAbort stop: a truncated record)', async () => {
  const big = gzipSync(Buffer.alloc(8 << 20, 7), { level: 1 });
  const server = await startHttp((_req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': big.length });
    res.write(big.subarray(0, 1024));
    // The rest never comes unless asked for: the caller lets go first.
    setTimeout(() => res.destroyed || res.end(big.subarray(1024)), 2000);
  });
  try {
    const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
    const res = await client.fetch(`${server.url}/let-go`);
    const s = res.nodeStream();
    await new Promise((resolve) => s.once('data', resolve));
    s.destroy();
    const written = await res.written;
    expect(written.truncated).toBe('length');
    await client.close();
  } finally {
    await server.close();
  }
});

test('a decoded body whose connection is cut fails with the connection\'s error (ERR_CONNECTION_CLOSED), not a decoding one', async () => {
  const zipped = gzipSync(patternText(200_000));
  const server = await startHttp((_req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': zipped.length });
    res.write(zipped.subarray(0, zipped.length >> 1));
    setTimeout(() => res.destroy(), 50);
  });
  try {
    const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
    for (const read of Object.values(streamReaders)) {
      const res = await client.fetch(`${server.url}/cut`);
      expect(await read(res)).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
      expect((await res.written).truncated).toBe('disconnect');
    }
    await client.close();
  } finally {
    await server.close();
  }
});

function patternText(length: number): string {
  let s = '';
  for (let i = 0; s.length < length; i++) s += `line ${i} of a page that compresses\n`;
  return s.slice(0, length);
}

test('a gzip body cut short inside a whole HTTP response (its decoder fails at its end): every way of reading rejects ERR_CONTENT_DECODING, nothing escapes', async () => {
  // Found by the fuzz corpus (http/untyped-body-d47fe675f0): the decoder fails only when flushed at
  // the end of its input, after pipeline() had let go of it, so the error escaped uncaught and bytes() hung.
  const cut = gzipSync(patternText(100_000)).subarray(0, 500);
  const server = await startHttp((_req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': cut.length });
    res.end(cut);
  });
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): number => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
    const readers: Array<(res: WarcResponse) => Promise<unknown>> = [(res) => res.bytes().then(() => undefined, (e: unknown) => e), ...Object.values(streamReaders)];
    for (const read of readers) {
      const res = await client.fetch(`${server.url}/cut-gzip`);
      expect(await read(res)).toMatchObject({ code: 'ERR_CONTENT_DECODING', cause: expect.objectContaining({ code: 'Z_BUF_ERROR' }) });
      expect((await res.written).truncated).toBeUndefined();
    }
    await client.close();
  } finally {
    process.off('uncaughtException', onUncaught);
    await server.close();
  }
  expect(uncaught).toEqual([]);
}, 20_000);
