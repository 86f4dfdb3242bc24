/**
 * A proxy per request (issue 13) through real daemons: microsocks (SOCKS5) and
 * tinyproxy (HTTP CONNECT). Their logs show which traffic went through them;
 * proxied records carry no WARC-IP-Address; `proxy: null` goes direct past the pool.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startHttp, startHttps, type Running } from '../helpers/client-servers';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startMicrosocks, startTinyproxy, type ProxyDaemon } from '../helpers/net-proxies';
import { readAll, type ReadBack } from '../helpers/warc-read';

let microsocks: ProxyDaemon;
let tinyproxy: ProxyDaemon;
let origin: Running;
let tlsOrigin: Running;
let dir: string;

beforeAll(async () => {
  [microsocks, tinyproxy, origin, tlsOrigin] = await Promise.all([
    startMicrosocks(),
    startTinyproxy(),
    startHttp((req, res) => res.end(`page ${req.url}`)),
    startHttps((req, res) => res.end(`secure ${req.url}`)),
  ]);
}, 30000);
afterAll(async () => {
  await stopAllDaemons();
  await Promise.all([origin?.close(), tlsOrigin?.close()]);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-request-proxy-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function responses(): Promise<ReadBack[]> {
  const file = readdirSync(dir).find((f) => f.endsWith('.warc.gz'))!;
  return (await readAll(join(dir, file))).records.filter((r) => r.type === 'response');
}
const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n === name)?.[1];

/** Tunnels each daemon opened to `port` so far, as its log lists them. */
function tunnels(daemon: ProxyDaemon, port: number): number {
  const pattern = daemon === microsocks ? new RegExp(`connected to 127\\.0\\.0\\.1:${port}\\b`, 'g') : new RegExp(`CONNECT 127\\.0\\.0\\.1:${port}\\b`, 'g');
  return daemon.log().match(pattern)?.length ?? 0;
}

/** Polls until `check` holds (daemon logs are written a moment after the traffic). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

test('each request through its own proxy: microsocks and tinyproxy tunnels per their logs, no WARC-IP-Address, one connection per proxy reused by the same proxy', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const before = { socks: tunnels(microsocks, origin.port), http: tunnels(tinyproxy, origin.port), accepted: origin.accepted.length };
  const routes: Array<[string, string]> = [
    ['/socks-a', microsocks.url('socks5')],
    ['/http-a', tinyproxy.url('http')],
    ['/socks-b', microsocks.url('socks5')],
    ['/http-b', tinyproxy.url('http')],
  ];
  try {
    for (const [path, proxy] of routes) {
      const res = await client.fetch(`${origin.url}${path}`, { proxy });
      expect(await res.text()).toBe(`page ${path}`);
      expect(res.remoteAddress).toBeUndefined();
      await res.written;
    }
    // An https origin through a proxy, with this request's own TLS verify switched off (the certificate is self-signed).
    const secure = await client.fetch(`${tlsOrigin.url}/secure`, { proxy: microsocks.url('socks5h'), tls: { verify: false } });
    expect(await secure.text()).toBe('secure /secure');
  } finally {
    await client.close();
  }
  await eventually(() => tunnels(microsocks, origin.port) === before.socks + 1 && tunnels(tinyproxy, origin.port) === before.http + 1);
  await eventually(() => tunnels(microsocks, tlsOrigin.port) >= 1);
  // Two proxies, two connections at the origin: the second request through each reused its proxy's.
  expect(origin.accepted.length - before.accepted).toBe(2);
  const rs = await responses();
  expect(rs.map((r) => field(r, 'WARC-Target-URI'))).toEqual([...routes.map(([p]) => `${origin.url}${p}`), `${tlsOrigin.url}/secure`]);
  for (const r of rs) expect(field(r, 'WARC-IP-Address')).toBeUndefined();
});

test('proxy: null goes direct past the client pool (WARC-IP-Address, no tunnel); pooled requests still take the pool', async () => {
  const client = await WarcClient.create({ writer: { directory: dir }, dialer: { proxies: [microsocks.url('socks5')] } });
  const before = tunnels(microsocks, origin.port);
  try {
    const direct = await client.fetch(`${origin.url}/direct`, { proxy: null });
    expect(await direct.text()).toBe('page /direct');
    expect(direct.remoteAddress).toBe('127.0.0.1');
    const pooled = await client.fetch(`${origin.url}/pooled`);
    expect(await pooled.text()).toBe('page /pooled');
    expect(pooled.remoteAddress).toBeUndefined();
    await Promise.all([direct.written, pooled.written]);
  } finally {
    await client.close();
  }
  await eventually(() => tunnels(microsocks, origin.port) === before + 1);
  const rs = await responses();
  expect(rs.map((r) => [field(r, 'WARC-Target-URI'), field(r, 'WARC-IP-Address')])).toEqual([
    [`${origin.url}/direct`, '127.0.0.1'],
    [`${origin.url}/pooled`, undefined],
  ]);
});
