/**
 * Per-request controls (issue 13): TLS verify, source address and body cap per
 * request; the pool never lets requests with different connection controls share
 * a socket, and reuses one for the same controls; bad controls are typed errors.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { undici } from '../../src/client/undici';
import { startHttp, startHttps, type Running } from '../helpers/client-servers';
import { freePort } from '../helpers/net-ports';
import { readAll, type ReadBack } from '../helpers/warc-read';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-controls-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n === name)?.[1];

async function responses(): Promise<ReadBack[]> {
  const out: ReadBack[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz'))) {
    out.push(...(await readAll(join(dir, f))).records.filter((r) => r.type === 'response'));
  }
  return out;
}

/** The server's view of each request: which connection (index in `accepted`) and from which address. */
async function echoServer(): Promise<Running & { seen: Array<{ connection: number; from: string }> }> {
  const seen: Array<{ connection: number; from: string }> = [];
  const server: Running = await startHttp((req, res) => {
    seen.push({ connection: server.accepted.indexOf(req.socket), from: req.socket.remoteAddress ?? '' });
    res.end('ok');
  });
  return Object.assign(server, { seen });
}

test('localAddress per request: the source address the server sees; different addresses never share a connection, the same one reuses it', async () => {
  const server = await echoServer();
  const client = await WarcClient.create({ writer: { directory: dir } });
  try {
    for (const controls of [{}, {}, { localAddress: '127.0.0.2' }, { localAddress: '127.0.0.2' }, { localAddress: '127.0.0.3' }, {}]) {
      const res = await client.fetch(`${server.url}/`, controls);
      expect(await res.text()).toBe('ok');
    }
  } finally {
    await client.close();
    await server.close();
  }
  expect(server.seen.map((s) => s.from)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.1']);
  // One connection per distinct source address; requests with the same controls went on the same one.
  expect(server.seen.map((s) => s.connection)).toEqual([0, 0, 1, 1, 2, 0]);
  expect(server.accepted).toHaveLength(3);
  expect((await responses()).map((r) => field(r, 'WARC-IP-Address'))).toEqual(Array(6).fill('127.0.0.1'));
});

test('tls.verify false for one request to a self-signed origin while the client verifies; a verified request never reuses that socket', async () => {
  const server = await startHttps((_req, res) => res.end('secret'));
  const client = await WarcClient.create({ writer: { directory: dir } });
  try {
    await expect(client.fetch(`${server.url}/verified`)).rejects.toMatchObject({ code: 'ERR_TLS_HANDSHAKE' });
    const res = await client.fetch(`${server.url}/unverified`, { tls: { verify: false } });
    expect(await res.text()).toBe('secret');
    expect((await res.written).status).toBe(200);
    // The unverified connection is idle in the pool now; a verified request must dial (and fail) anew.
    await expect(client.fetch(`${server.url}/verified-again`)).rejects.toMatchObject({ code: 'ERR_TLS_HANDSHAKE' });
    const again = await client.fetch(`${server.url}/unverified-again`, { tls: { verify: false } });
    expect(await again.text()).toBe('secret');
  } finally {
    await client.close();
    await server.close();
  }
  // verified, unverified, verified again: three connections; the second unverified request reused its own.
  expect(server.accepted).toHaveLength(3);
  const rs = await responses();
  expect(rs.map((r) => field(r, 'WARC-Target-URI'))).toEqual([`${server.url}/unverified`, `${server.url}/unverified-again`]);
});

test('maxResponseBytes per request: that exchange is truncated (length), the next one on the same connection is whole', async () => {
  const body = Buffer.alloc(100_000, 'x');
  const server = await startHttp((_req, res) => {
    res.setHeader('content-length', String(body.length));
    res.end(body);
  });
  const client = await WarcClient.create({ writer: { directory: dir } });
  let viaDispatcher: Promise<unknown> | undefined;
  try {
    const capped = await client.fetch(`${server.url}/capped`, { maxResponseBytes: 1000 });
    // The caller still gets the whole body; only the record is capped.
    expect((await capped.bytes()).length).toBe(body.length);
    expect(await capped.written).toMatchObject({ truncated: 'length' });
    const whole = await client.fetch(`${server.url}/whole`);
    expect((await whole.bytes()).length).toBe(body.length);
    expect((await whole.written).truncated).toBeUndefined();
    const res = await undici.request(`${server.url}/dispatched`, {
      dispatcher: client.dispatcher,
      warcwire: { maxResponseBytes: 10, onWritten: (w: Promise<unknown>) => (viaDispatcher = w) },
    } as Parameters<typeof undici.request>[1]);
    await res.body.arrayBuffer();
    expect(await viaDispatcher).toMatchObject({ truncated: 'length' });
  } finally {
    await client.close();
    await server.close();
  }
  expect(server.accepted).toHaveLength(1);
  const rs = await responses();
  const bodyOf = (r: ReadBack): Buffer => r.block.subarray(r.block.indexOf('\r\n\r\n') + 4);
  expect(rs.map((r) => [field(r, 'WARC-Truncated'), bodyOf(r).length])).toEqual([
    ['length', 1000],
    [undefined, body.length],
    ['length', 10],
  ]);
});

test('proxy: null connects directly although the client has a proxy pool', async () => {
  const server = await startHttp((_req, res) => res.end('direct'));
  // Nothing listens on the pool's proxy: every pooled request fails to dial.
  const deadProxy = `socks5://127.0.0.1:${await freePort()}`;
  const client = await WarcClient.create({ writer: { directory: dir }, dialer: { proxies: [deadProxy] } });
  try {
    await expect(client.fetch(`${server.url}/pooled`)).rejects.toMatchObject({ name: expect.stringMatching(/Error$/) });
    const res = await client.fetch(`${server.url}/direct`, { proxy: null });
    expect(await res.text()).toBe('direct');
    expect(res.remoteAddress).toBe('127.0.0.1');
    await res.written;
  } finally {
    await client.close();
    await server.close();
  }
  const [record] = await responses();
  expect(field(record!, 'WARC-Target-URI')).toBe(`${server.url}/direct`);
  expect(field(record!, 'WARC-IP-Address')).toBe('127.0.0.1');
});

describe('invalid controls are ClientError ERR_INVALID_SETTING naming the field', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['proxy', { proxy: 5 }, /proxy must be/],
    // Checked when given, not at the first dial: a session's agents with a bad proxy fail at once.
    ['proxy scheme', { proxy: 'ftp://user:secret@proxy.test:21' }, /proxy: unsupported proxy scheme "ftp:"/],
    ['proxy URL', { proxy: 'not a url' }, /proxy: proxy URL is not a valid URL/],
    ['tls', { tls: true }, /tls must be an object/],
    ['tls.verify', { tls: { verify: 'no' } }, /tls\.verify must be a boolean/],
    ['localAddress', { localAddress: 'eth0' }, /localAddress must be an IP address/],
    ['maxResponseBytes', { maxResponseBytes: -1 }, /maxResponseBytes must be a non-negative integer/],
    ['afterAbort', { afterAbort: 'later' }, /afterAbort must be 'stop' or 'finish'/],
  ];

  test.each(bad)('%s: fetch(), the warcwire dispatch option, dispatcherWith() and agents()', async (_name, controls, message) => {
    const client = await WarcClient.create({ writer: { directory: dir } });
    try {
      await expect(client.fetch('http://127.0.0.1:9/', controls)).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(message) });
      await expect(
        undici.request('http://127.0.0.1:9/', { dispatcher: client.dispatcher, warcwire: controls } as Parameters<typeof undici.request>[1]),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(message) });
      expect(() => client.dispatcherWith(controls)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(message) }));
      expect(() => client.agents(controls)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(message) }));
    } finally {
      await client.close();
    }
  });

  test('onWritten must be a function; a warcwire option must be an object; the client-wide afterAbort is checked at create()', async () => {
    const client = await WarcClient.create({ writer: { directory: dir } });
    try {
      expect(() => client.dispatcherWith({ onWritten: 'yes' } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(/onWritten must be a function/) }));
      // A dispatch's own option that is not an object is refused, not spread into the defaults.
      await expect(
        undici.request('http://127.0.0.1:9/', { dispatcher: client.dispatcherWith({}), warcwire: 'proxy' } as Parameters<typeof undici.request>[1]),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(/must be an object/) });
    } finally {
      await client.close();
    }
    await expect(WarcClient.create({ writer: { directory: dir }, afterAbort: 'never' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringMatching(/afterAbort/) });
  });
});
