import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { METRICS } from '../../src/obs/metric-names';
import { PrometheusRegistry } from '../../src/obs/registry';
import { startHttp, type Running } from '../helpers/client-servers';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startMicrosocks, type ProxyDaemon } from '../helpers/net-proxies';

// Per-request proxyType through the client, with two real SOCKS5 daemons.
// microsocks logs every CONNECT as "connected to HOST:PORT", so the log says
// which proxy carried which request.

let datacenter: ProxyDaemon;
let residential: ProxyDaemon;
let origin: Running;
let dir: string;

beforeAll(async () => {
  [datacenter, residential] = await Promise.all([startMicrosocks(), startMicrosocks()]);
  origin = await startHttp((req, res) => res.end(`hello ${req.url}`));
}, 20_000);

afterAll(async () => {
  await stopAllDaemons();
  await origin?.close();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-ptype-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tunnels = (d: ProxyDaemon): number => d.log().split('\n').filter((l) => l.includes(`connected to localhost:${origin.port}`)).length;

test('fetch(url, { proxyType }) picks proxies of that type; no type means type "any" only', async () => {
  const metrics = new PrometheusRegistry();
  const client = await WarcClient.create({
    writer: { directory: dir },
    dialer: {
      proxies: [
        { url: datacenter.url('socks5h'), type: 'datacenter' },
        { url: residential.url('socks5h'), type: 'residential' },
      ],
    },
    metrics,
  });
  const url = `http://localhost:${origin.port}/x`;
  const r1 = await client.fetch(url, { proxyType: 'residential' });
  expect(await r1.text()).toBe('hello /x');
  const w1 = await r1.written;
  expect(tunnels(residential)).toBe(1);
  expect(tunnels(datacenter)).toBe(0);

  // Same origin, other type: the kept-alive residential connection must not be reused.
  const r2 = await client.fetch(url, { proxyType: 'datacenter' });
  expect(await r2.text()).toBe('hello /x');
  await r2.written;
  expect(tunnels(datacenter)).toBe(1);
  expect(tunnels(residential)).toBe(1);

  // Same type again: the kept-alive connection carries it (no new tunnel).
  const r3 = await client.fetch(url, { proxyType: 'residential' });
  await r3.text();
  await r3.written;
  expect(tunnels(residential)).toBe(1);

  // No type: only proxies typed 'any' are eligible, and there are none.
  await expect(client.fetch(url)).rejects.toMatchObject({ code: 'ERR_NO_PROXY' });
  // 'any' asks for every proxy.
  const r4 = await client.fetch(url, { proxyType: 'any' });
  expect(r4.status).toBe(200);
  await r4.text();
  await r4.written;
  await client.close();

  expect(w1.response.type).toBe('response');
  expect(metrics.value(METRICS.requests.name)).toBe(5);
  expect(metrics.value(METRICS.errors.name, { kind: 'proxy' })).toBe(1);
  expect(metrics.value(METRICS.proxyRequests.name, { proxy: residential.url('socks5h') })).toBe(tunnels(residential));
  expect(metrics.value(METRICS.proxyRequests.name, { proxy: datacenter.url('socks5h') })).toBe(tunnels(datacenter));
  expect(tunnels(residential) + tunnels(datacenter)).toBe(3);
  expect(client.stats.written).toBe(4);
}, 20_000);
