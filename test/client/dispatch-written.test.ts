/**
 * `written` on every path through client.dispatcher (issue 13): the `warcwire`
 * dispatch option's onWritten for undici.request, stream and pipeline, and
 * client.dispatcherWith() for undici's fetch, which passes no extra options.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WarcClient } from '../../src/client';
import type { WrittenExchange } from '../../src/client/pending-write';
import { undici } from '../../src/client/undici';
import { startHttp, type Running } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';

let dir: string;
let server: Running;
let client: WarcClient;
const BODY = 'x'.repeat(5000);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-written-'));
  server = await startHttp((_req, res) => res.end(BODY));
  client = await WarcClient.create({ writer: { directory: dir } });
});
afterEach(async () => {
  await client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** onWritten's promise, with the call count (once per dispatch). */
function watch(): { onWritten(w: Promise<WrittenExchange>): void; calls: Array<Promise<WrittenExchange>> } {
  const calls: Array<Promise<WrittenExchange>> = [];
  return { onWritten: (w) => calls.push(w), calls };
}

/** The response record `written` names (the client is closed first, so its file is final). */
async function recordAt(written: WrittenExchange): Promise<ReadBack> {
  await client.close();
  const r = (await readAll(join(dir, written.response.filename))).records.find((x) => x.offset === written.response.offset);
  expect(r?.type).toBe('response');
  return r!;
}

type Options = Parameters<typeof undici.request>[1];

test('undici.request with the warcwire option: onWritten gets where the pair landed', async () => {
  const w = watch();
  const res = await undici.request(`${server.url}/request`, { dispatcher: client.dispatcher, warcwire: w } as Options);
  expect(await res.body.text()).toBe(BODY);
  expect(w.calls).toHaveLength(1);
  const written = await w.calls[0]!;
  expect(written).toMatchObject({ url: `${server.url}/request`, status: 200 });
  expect((await recordAt(written)).block.toString('latin1').endsWith(BODY)).toBe(true);
});

test('undici.stream and undici.pipeline with the warcwire option', async () => {
  const s = watch();
  const got: Buffer[] = [];
  await undici.stream(`${server.url}/stream`, { dispatcher: client.dispatcher, warcwire: s } as never, () =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        cb();
      },
    }),
  );
  expect(Buffer.concat(got).toString()).toBe(BODY);
  const p = watch();
  const piped: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const duplex = undici.pipeline(`${server.url}/pipeline`, { dispatcher: client.dispatcher, warcwire: p } as never, ({ body }) => body);
    duplex.on('data', (c: Buffer) => piped.push(c)).on('end', resolve).on('error', reject);
    duplex.end();
  });
  expect(Buffer.concat(piped).toString()).toBe(BODY);
  expect(s.calls).toHaveLength(1);
  expect(p.calls).toHaveLength(1);
  expect(await s.calls[0]!).toMatchObject({ url: `${server.url}/stream`, status: 200 });
  expect(await p.calls[0]!).toMatchObject({ url: `${server.url}/pipeline`, status: 200 });
});

test("undici.fetch through dispatcherWith(): onWritten and the controls apply to every dispatch; a dispatch's own option wins", async () => {
  const w = watch();
  const capped = client.dispatcherWith({ maxResponseBytes: 100, onWritten: w.onWritten });
  for (const path of ['/fetch1', '/fetch2']) {
    const res = await undici.fetch(`${server.url}${path}`, { dispatcher: capped });
    expect(await res.text()).toBe(BODY);
  }
  const own = watch();
  const res = await undici.request(`${server.url}/own`, { dispatcher: capped, warcwire: { maxResponseBytes: 200, onWritten: own.onWritten } } as Options);
  await res.body.text();
  expect(w.calls).toHaveLength(2);
  expect(own.calls).toHaveLength(1);
  const all = await Promise.all([...w.calls, ...own.calls]);
  expect(all.map((x) => [x.url, x.truncated])).toEqual([
    [`${server.url}/fetch1`, 'length'],
    [`${server.url}/fetch2`, 'length'],
    [`${server.url}/own`, 'length'],
  ]);
  const bodyLength = async (x: WrittenExchange): Promise<number> => {
    const block = (await recordAt(x)).block;
    return block.length - block.indexOf('\r\n\r\n') - 4;
  };
  expect(await Promise.all(all.map(bodyLength))).toEqual([100, 100, 200]);
});

test('fetch(): WarcResponse.remoteAddress is the IP of the connection that carried the final hop', async () => {
  const res = await client.fetch(`${server.url}/`);
  await res.text();
  expect(res.remoteAddress).toBe('127.0.0.1');
});

test('a dispatch refused at once (a handler undici cannot drive): the written promise onWritten got rejects with the same error', async () => {
  const w = watch();
  const opts = { origin: server.url, path: '/', method: 'GET', warcwire: w } as never;
  expect(() => client.dispatcher.dispatch(opts, {} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
  expect(w.calls).toHaveLength(1);
  await expect(w.calls[0]!).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
});
