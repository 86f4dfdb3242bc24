/**
 * Real Debian proxy daemons as upstreams: squid and tinyproxy (HTTP CONNECT,
 * with Basic auth), microsocks (SOCKS5 with a password, also as socks5h) and
 * danted (SOCKS4/5), all on loopback, with curl as the client.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startDante, startMicrosocks, startSquid, startTinyproxy, type ProxyDaemon } from '../helpers/net-proxies';
import { curl } from '../helpers/proxy-clients';
import { makeCert, startHttpsTarget, startHttpTarget, type Running } from '../helpers/proxy-targets';

const CREDS = { user: 'up', password: 'stream-pw' };
let web: Running;
let secure: Running;
let caFile: string;
let squid: ProxyDaemon & { tlsPort?: number };
let tinyproxy: ProxyDaemon;
let microsocks: ProxyDaemon;
let dante: ProxyDaemon;

beforeAll(async () => {
  const cert = makeCert();
  caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-proxy-daemons-')), 'ca.pem');
  fs.writeFileSync(caFile, cert.cert);
  [web, secure, squid, tinyproxy, microsocks, dante] = await Promise.all([
    startHttpTarget(),
    startHttpsTarget(cert),
    startSquid({ credentials: CREDS, tls: cert }),
    startTinyproxy({ credentials: CREDS }),
    startMicrosocks({ credentials: CREDS }),
    startDante(),
  ]);
}, 90_000);
afterAll(async () => {
  await stopAllDaemons();
  await Promise.all([web?.close(), secure?.close()]);
  fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
});

async function through(upstreamUrl: string, fn: (proxy: ForwardProxy) => Promise<void>, extra: Record<string, unknown> = {}): Promise<void> {
  const warnings: string[] = [];
  const note = (_fields: unknown, msg: string): void => void warnings.push(msg);
  const logger = { debug: note, info: note, warn: note, error: note };
  const proxy = await createForwardProxy({ listen: '127.0.0.1:0', upstreams: [{ url: upstreamUrl }], retries: 0, ...extra }, { logger });
  try {
    await fn(proxy);
  } catch (error) {
    // Say why the upstream failed, not only that the client saw 502.
    throw new Error(`${(error as Error).message}\nproxy log:\n${warnings.join('\n')}`);
  } finally {
    await proxy.close();
  }
}

const cases: [string, () => string][] = [
  ['squid (http, Basic auth)', () => squid.url()],
  ['tinyproxy (http, Basic auth)', () => tinyproxy.url()],
  ['microsocks (socks5, password)', () => microsocks.url('socks5')],
  ['microsocks (socks5h, password)', () => microsocks.url('socks5h')],
  ['danted (socks4)', () => dante.url('socks4')],
  // socks4a is left to test/net: danted here answers "Failed" to 4a requests for localhost.
  ['danted (socks5)', () => dante.url('socks5')],
];

test.each(cases)('curl through our proxy and %s reaches http and https targets', async (_name, url) => {
  await through(url(), async (proxy) => {
    const plain = await curl(['-x', proxy.url, `http://localhost:${web.port}/via`]);
    expect(plain).toMatchObject({ code: 0, stdout: 'hello GET /via\n' });
    const tls = await curl(['--cacert', caFile, '-x', proxy.url, `https://localhost:${secure.port}/tls`]);
    expect(tls).toMatchObject({ code: 0, stdout: 'hello GET /tls\n' });
    const stats = proxy.stats();
    expect(stats.upstreams[0]!.lifetime).toMatchObject({ total: 2, success: 2, failed: 0 });
    expect(JSON.stringify(stats)).not.toContain(CREDS.password);
  });
});

test('an https:// upstream (squid https_port) with its CA from upstreamTls.caFile', async () => {
  const url = `https://${CREDS.user}:${CREDS.password}@localhost:${squid.tlsPort}`;
  await through(
    url,
    async (proxy) => {
      const tls = await curl(['--cacert', caFile, '-x', proxy.url, `https://localhost:${secure.port}/double-tls`]);
      expect(tls).toMatchObject({ code: 0, stdout: 'hello GET /double-tls\n' });
      expect(proxy.stats().upstreams[0]!.url).toBe(`https://localhost:${squid.tlsPort}`);
    },
    { upstreamTls: { caFile } },
  );
  // Without the CA the upstream's certificate is refused: 502, and the upstream is blamed.
  await through(url, async (proxy) => {
    const result = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', proxy.url, `http://localhost:${web.port}/`]);
    expect(result.stdout).toBe('502');
    expect(proxy.stats().upstreams[0]!.health.consecutiveFailures).toBe(1);
  });
});

test('wrong upstream credentials: 502 to the client, never the password in stats', async () => {
  const wrong = squid.url().replace(encodeURIComponent(CREDS.password), 'bad-pw');
  await through(wrong, async (proxy) => {
    const result = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', proxy.url, `http://localhost:${web.port}/`]);
    expect(result.stdout).toBe('502');
    expect(proxy.stats().upstreams[0]!.lifetime).toMatchObject({ total: 1, failed: 1 });
    expect(proxy.stats().upstreams[0]!.health.consecutiveFailures).toBe(1); // auth refusal blames the upstream
  });
});

test("squid's own access log shows the tunnel it carried for us", async () => {
  await through(squid.url(), async (proxy) => {
    const result = await curl(['--cacert', caFile, '-x', proxy.url, `https://localhost:${secure.port}/logged`]);
    expect(result.stdout).toBe('hello GET /logged\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(squid.log()).toMatch(new RegExp(`CONNECT localhost:${secure.port}`));
  });
});
