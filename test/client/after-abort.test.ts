/**
 * afterAbort (issue 13): a caller that aborts after the response head stops the
 * download ('stop', the default: the connection is closed, what arrived is recorded
 * with WARC-Truncated: length) or lets the capture finish it ('finish'). Redirect
 * hops that fetch() follows are read to their end either way.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import type { WrittenExchange } from '../../src/client/pending-write';
import { undici } from '../../src/client/undici';
import { startHttp, type Running } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';

const BIG = 50 * 1024 * 1024;
const PIECE = 64 * 1024;

/** Byte i of every body the server sends. */
const pattern = (from: number, length: number): Buffer => {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (from + i) % 251;
  return b;
};
const PIECES = Array.from({ length: 251 }, (_, k) => pattern(k, PIECE));

let dir: string;
let server: Running;
/** Body bytes the server handed to its socket, per request path. */
const sent = new Map<string, number>();

/** Writes `size` pattern bytes in pieces, waiting for the socket to drain between them (so what was sent is what the client could take). */
function stream(res: ServerResponse, size: number, path: string): void {
  let offset = 0;
  sent.set(path, 0);
  const more = (): void => {
    while (offset < size) {
      const n = Math.min(PIECE, size - offset);
      const piece = PIECES[offset % 251]!.subarray(0, n);
      offset += n;
      sent.set(path, offset);
      if (offset === size) return void res.end(piece);
      if (!res.write(piece)) return void res.once('drain', more);
    }
  };
  res.on('close', () => res.removeAllListeners('drain'));
  more();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-after-abort-'));
  sent.clear();
  server = await startHttp((req, res) => {
    const url = req.url!;
    const hop = /^\/hop(\d)$/.exec(url);
    if (hop) {
      // Redirect hops with a 300 kB body each, then the final page.
      const n = Number(hop[1]);
      res.writeHead(n < 3 ? 302 : 200, { 'content-length': String(300_000), ...(n < 3 ? { location: `/hop${n + 1}` } : {}) });
      return stream(res, 300_000, url);
    }
    const size = url.startsWith('/small') ? 2 * 1024 * 1024 : BIG;
    res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream' });
    stream(res, size, url);
  });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function responses(): Promise<ReadBack[]> {
  const file = readdirSync(dir).find((f) => f.endsWith('.warc.gz'))!;
  return (await readAll(join(dir, file))).records.filter((r) => r.type === 'response');
}
const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n === name)?.[1];
const bodyOf = (r: ReadBack): Buffer => r.block.subarray(r.block.indexOf('\r\n\r\n') + 4);

/** Waits until the server's socket closed (the stop reached the server). */
async function serverClosed(): Promise<void> {
  const socket = server.accepted[0]!;
  if (!socket.destroyed) await new Promise((r) => socket.once('close', r));
}

/** The checks of a stopped 50 MB download: truncated for length, a true prefix of what was sent, far less than the whole. */
async function expectStopped(written: WrittenExchange, path: string): Promise<void> {
  expect(written).toMatchObject({ status: 200, truncated: 'length' });
  await serverClosed();
  const record = (await responses())[0]!;
  expect(field(record, 'WARC-Truncated')).toBe('length');
  expect(field(record, 'WARC-Payload-Digest')).toBeUndefined();
  const body = bodyOf(record);
  expect(body.length).toBeGreaterThan(0);
  expect(body.equals(pattern(0, body.length))).toBe(true);
  const bytesSent = sent.get(path)!;
  expect(body.length).toBeLessThanOrEqual(bytesSent);
  // Socket buffers on loopback hold a few MB at most: the server stopped long before 50 MB.
  expect(bytesSent).toBeLessThan(BIG / 4);
}

test.each(['signal', 'cancel()'])("afterAbort 'stop' (default), fetch() aborted by %s after the first chunk: the download stops, what arrived is recorded", async (how) => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const controller = new AbortController();
  const res = await client.fetch(`${server.url}/big`, { signal: controller.signal });
  const body = res.nodeStream();
  body.on('error', () => undefined);
  await new Promise<void>((resolve) => body.once('data', () => resolve()));
  if (how === 'signal') controller.abort();
  else await res.cancel();
  const written = await res.written;
  await client.close();
  await expectStopped(written, '/big');
  expect(client.stats).toMatchObject({ written: 1, truncated: 1 });
});

test("afterAbort 'stop' through client.dispatcher: undici.request's body destroyed after the first chunk", async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  let written: Promise<WrittenExchange> | undefined;
  const res = await undici.request(`${server.url}/big`, {
    dispatcher: client.dispatcher,
    warcwire: { onWritten: (w: Promise<WrittenExchange>) => (written = w) },
  } as Parameters<typeof undici.request>[1]);
  res.body.on('error', () => undefined);
  await new Promise<void>((resolve) => res.body.once('data', () => resolve()));
  res.body.destroy();
  const w = await written!;
  await client.close();
  await expectStopped(w, '/big');
});

test("afterAbort 'finish' (per request, over a client-wide 'stop'): the caller is let go, the pair is recorded whole", async () => {
  const client = await WarcClient.create({ writer: { directory: dir }, afterAbort: 'stop' });
  const controller = new AbortController();
  const res = await client.fetch(`${server.url}/small`, { signal: controller.signal, afterAbort: 'finish' });
  const body = res.nodeStream();
  const reading = (async () => {
    for await (const chunk of body) {
      void chunk;
      controller.abort();
    }
  })();
  await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  const written = await res.written;
  await client.close();
  expect(written.truncated).toBeUndefined();
  const record = (await responses())[0]!;
  expect(field(record, 'WARC-Truncated')).toBeUndefined();
  expect(bodyOf(record).equals(pattern(0, 2 * 1024 * 1024))).toBe(true);
});

test("a redirect chain with the default 'stop': every hop's body is read to its end and recorded whole", async () => {
  const client = await WarcClient.create({ writer: { directory: dir }, followRedirects: true });
  const res = await client.fetch(`${server.url}/hop1`);
  expect((await res.bytes()).length).toBe(300_000);
  expect(res.redirects.map((h) => h.status)).toEqual([302, 302]);
  const hops = await Promise.all([...res.redirects.map((h) => h.written), res.written]);
  await client.close();
  expect(hops.map((w) => w.truncated)).toEqual([undefined, undefined, undefined]);
  const rs = await responses();
  expect(rs.map((r) => field(r, 'WARC-Target-URI'))).toEqual(['/hop1', '/hop2', '/hop3'].map((p) => server.url + p));
  for (const r of rs) {
    expect(field(r, 'WARC-Truncated')).toBeUndefined();
    expect(bodyOf(r).equals(pattern(0, 300_000))).toBe(true);
  }
});

test('maxUnreadBytes: a body nobody reads holds the connection (backpressure) instead of being spooled; a late reader still gets all of it', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const res = await client.fetch(`${server.url}/big`, { maxUnreadBytes: 256 * 1024 });
  // Long enough for loopback to move all 50 MB when nothing holds it back (the default spools ahead).
  await new Promise((r) => setTimeout(r, 1500));
  const heldAt = sent.get('/big')!;
  // Socket buffers on loopback hold a few MB at most.
  expect(heldAt).toBeLessThan(BIG / 5);
  const body = await res.bytes();
  expect(body.length).toBe(BIG);
  expect(body.subarray(0, PIECE).equals(PIECES[0]!)).toBe(true);
  const written = await res.written;
  await client.close();
  expect(written.truncated).toBeUndefined();
  expect(bodyOf((await responses())[0]!).length).toBe(BIG);
});

test('maxUnreadBytes is checked (ERR_INVALID_SETTING naming the field)', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  await expect(client.fetch(`${server.url}/small`, { maxUnreadBytes: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringContaining('maxUnreadBytes') });
  await client.close();
});
