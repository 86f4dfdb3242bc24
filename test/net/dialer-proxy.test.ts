import type * as tls from 'node:tls';
import { Dialer, type DialerOptions } from '../../src/net/dialer';
import type { DnsCapture } from '../../src/net/dns-types';
import { ProxyError, NetError } from '../../src/net/errors';
import type { Logger, LogFields } from '../../src/obs/logger';
import { PrometheusRegistry } from '../../src/obs/registry';
import { testCertificate } from '../helpers/tls-cert';
import type { Daemon } from '../helpers/net-daemon';
import { requestOverSocket } from '../helpers/net-origin';
import { freePort } from '../helpers/net-ports';
import { startDnsmasq } from '../helpers/net-proxies';
import { useProxyFleet } from '../helpers/net-proxy-fleet';

const creds = { user: 'crawler', password: 's3cr3t:p@ss' };
const tinyCreds = { user: 'crawler', password: 'tiny-s3cr3t' };

let dns: Daemon & { server: string; queries(name?: string): string[] };

const fleet = useProxyFleet({
  credentials: creds,
  tinyproxyCredentials: tinyCreds,
  plainMicrosocks: true,
  alongside: async () => {
    dns = await startDnsmasq({ records: { 'origin.test': ['127.0.0.1'] } });
  },
});

interface Harness {
  dialer: Dialer;
  captures: DnsCapture[];
  logs: string[];
  registry: PrometheusRegistry;
}

function harness(options: DialerOptions): Harness {
  const captures: DnsCapture[] = [];
  const logs: string[] = [];
  const log =
    (level: string) =>
    (fields: LogFields, msg: string): void => {
      logs.push(`${level} ${msg} ${JSON.stringify(fields)}`);
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const registry = new PrometheusRegistry();
  const dialer = new Dialer({
    dns: { servers: [dns.server], timeout: 2000 },
    tls: { ca: testCertificate().cert },
    proxyTls: { ca: testCertificate().cert },
    onDnsRecord: (c) => captures.push(c),
    logger,
    metrics: registry,
    ...options,
  });
  return { dialer, captures, logs, registry };
}

// [name, proxy URL, does the proxy resolve the name (remote DNS)?]
const schemes: Array<[string, () => string, boolean]> = [
  ['socks5 microsocks', () => fleet.microsocks.url('socks5'), false],
  ['socks5 microsocks + auth', () => fleet.microsocksAuth.url('socks5'), false],
  ['socks4 danted', () => fleet.dante.url('socks4'), false],
  ['socks5 danted', () => fleet.dante.url('socks5'), false],
  ['socks4a ssh -D', () => fleet.sshSocks.url('socks4a'), true],
  ['socks5h microsocks + auth', () => fleet.microsocksAuth.url('socks5h'), true],
  ['http tinyproxy + auth', () => fleet.tinyproxy.url('http'), true],
  ['http squid + auth', () => fleet.squid.url('http'), true],
  ['https squid + auth', fleet.squidTlsUrl, true],
];

describe.each(schemes)('Dialer through %s', (_name, proxyUrl, remoteDns) => {
  // Remote-DNS proxies resolve with the system resolver (no dnsmasq): use localhost.
  const host = remoteDns ? 'localhost' : 'origin.test';

  it.each([['http:'], ['https:']] as const)('%s target: tunnel, no remote address, redacted proxy, DNS archived only when local', async (protocol) => {
    const h = harness({ proxies: [proxyUrl()] });
    const origin = protocol === 'https:' ? fleet.httpsOrigin : fleet.httpOrigin;
    const before = origin.seen.length;
    const result = await h.dialer.dial({ protocol, hostname: host, port: origin.port });
    expect(result.proxied).toBe(true);
    expect(result.remoteAddress).toBeUndefined();
    const proxy = new URL(proxyUrl());
    expect(result.proxy).toBe(`${proxy.protocol}//${proxy.hostname}:${proxy.port}`);
    if (protocol === 'https:') {
      expect((result.socket as tls.TLSSocket).authorized).toBe(true);
      expect(result.tlsProtocol).toBeDefined();
    }
    const reply = await requestOverSocket(result.socket, { host: `${host}:${origin.port}`, path: '/via' });
    expect(reply).toEqual({ status: 200, body: 'hello GET /via' });
    const seen = origin.seen[before]!;
    expect(seen.url).toBe('/via'); // origin-form even through an HTTP proxy: CONNECT tunnel
    expect(seen.proxyAuthorization).toBeUndefined();
    expect(h.captures.map((c) => c.host)).toEqual(remoteDns ? [] : ['origin.test']);
    for (const line of [...h.logs, h.registry.toPrometheus()]) {
      expect(line).not.toContain('s3cr3t');
    }
    expect(h.registry.toPrometheus()).toContain(`proxy_requests_total{proxy="${result.proxy}"} 1`);
    await h.dialer.close();
  });
});

describe('Dialer proxy behaviour', () => {
  it('socks5h sends the host name, socks5 sends the IP it resolved (microsocks log)', async () => {
    const remote = harness({ proxies: [fleet.microsocks.url('socks5h')] });
    const local = harness({ proxies: [fleet.microsocks.url('socks5')] });
    (await remote.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port })).socket.destroy();
    (await local.dialer.dial({ protocol: 'http:', hostname: 'origin.test', port: fleet.httpOrigin.port })).socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const log = fleet.microsocks.log();
    expect(log).toContain(`connected to localhost:${fleet.httpOrigin.port}`);
    expect(log).toContain(`connected to 127.0.0.1:${fleet.httpOrigin.port}`);
    expect(log).not.toContain('origin.test'); // the name never reached the proxy
    expect(local.captures.map((c) => c.host)).toEqual(['origin.test']);
  });

  it('socks4a sends the host name (OpenSSH logs the request)', async () => {
    const h = harness({ proxies: [fleet.sshSocks.url('socks4a')] });
    (await h.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port })).socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fleet.sshSocks.log()).toMatch(new RegExp(`socks4 host localhost port ${fleet.httpOrigin.port}`));
  });

  it('a dead proxy fails over to the next one and the request succeeds; stats and metrics show it', async () => {
    const dead = `socks5://u:s3cr3t@127.0.0.1:${await freePort()}`;
    const h = harness({ proxies: [dead, fleet.microsocks.url('socks5h')] });
    const result = await h.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port });
    expect(result.proxy).toBe(fleet.microsocks.url('socks5h'));
    await expect(requestOverSocket(result.socket, { host: 'localhost' })).resolves.toMatchObject({ status: 200 });
    const stats = h.dialer.proxyStats();
    expect(stats[0]).toMatchObject({ proxy: dead.replace('u:s3cr3t@', ''), requests: 1, errors: 1, consecutiveFailures: 1 });
    expect(stats[1]).toMatchObject({ requests: 1, errors: 0 });
    expect(stats[1]!.lastUsed).toBeInstanceOf(Date);
    expect(typeof stats[1]!.lastDialMs).toBe('number');
    const text = h.registry.toPrometheus();
    expect(text).toContain(`proxy_errors_total{proxy="${dead.replace('u:s3cr3t@', '')}"} 1`);
    expect(text).toMatch(/proxy_last_used_nanoseconds\{proxy="socks5h:\/\/127\.0\.0\.1:\d+"\} \d/);
    expect(text).not.toContain('s3cr3t');
    expect(h.logs.join('\n')).toContain('proxy dial failed');
    expect(h.logs.join('\n')).not.toContain('s3cr3t');
  });

  it('gives up after proxyRetries and throws the last typed error', async () => {
    const deads = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const h = harness({ proxies: deads.map((p) => `http://127.0.0.1:${p}`), proxyRetries: 2 });
    const error = (await h.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: 1 }).catch((e: unknown) => e)) as ProxyError;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error.code).toBe('ERR_PROXY_REFUSED');
    expect(h.dialer.proxyStats().reduce((n, s) => n + s.requests, 0)).toBe(3); // first try + 2 retries
  });

  it('wrong credentials → typed auth error naming the redacted proxy, never the password', async () => {
    const url = new URL(fleet.microsocksAuth.url('socks5h'));
    url.password = 'WRONG-s3cr3t';
    const h = harness({ proxies: [url.href], proxyRetries: 0 });
    const error = (await h.dialer.dial({ protocol: 'https:', hostname: 'localhost', port: fleet.httpsOrigin.port }).catch((e: unknown) => e)) as ProxyError;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error.code).toBe('ERR_PROXY_AUTH');
    expect(error.proxy).toBe(`socks5h://127.0.0.1:${url.port}`);
    expect(error.message).toContain(error.proxy);
    expect(`${error.message} ${h.logs.join('\n')} ${h.registry.toPrometheus()}`).not.toContain('s3cr3t');
  });

  it('a proxy that keeps failing rests (cooldown) and is skipped', async () => {
    const dead = `socks5://127.0.0.1:${await freePort()}`;
    const h = harness({ proxies: [dead, fleet.microsocks.url('socks5h')], proxyCooldown: { failureThreshold: 1, baseMs: 60_000 } });
    for (let i = 0; i < 4; i++) (await h.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port })).socket.destroy();
    const [deadStats, liveStats] = h.dialer.proxyStats();
    expect(deadStats).toMatchObject({ requests: 1, errors: 1 });
    expect(deadStats!.restingUntil).toBeInstanceOf(Date);
    expect(liveStats).toMatchObject({ requests: 4, errors: 0 });
  });

  it('no eligible proxy: typed error, or direct with allowDirectFallback', async () => {
    const proxies = [{ url: fleet.microsocks.url('socks5h'), type: 'residential' as const, allowedDomains: ['*.example.com'] }];
    const strict = harness({ proxies });
    await expect(strict.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port }, { proxyType: 'residential' })).rejects.toMatchObject({
      code: 'ERR_NO_PROXY',
    });
    await expect(strict.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port })).rejects.toBeInstanceOf(NetError);
    const lenient = harness({ proxies, allowDirectFallback: true });
    const direct = await lenient.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port }, { proxyType: 'residential' });
    direct.socket.destroy();
    expect(direct).toMatchObject({ proxied: false, remoteAddress: '127.0.0.1' });
  });

  it('1:3 weights over real dials: exactly 25%/75% of 400 tunnels (smooth WRR is deterministic)', async () => {
    const h = harness({
      proxies: [
        { url: fleet.microsocks.url('socks5h'), weight: 1 },
        { url: fleet.microsocksAuth.url('socks5h'), weight: 3 },
      ],
    });
    const used: string[] = [];
    for (let i = 0; i < 400; i++) {
      const result = await h.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port });
      result.socket.destroy();
      used.push(result.proxy!);
    }
    const light = used.filter((p) => p === h.dialer.proxyStats()[0]!.proxy).length;
    expect(light).toBe(100);
    expect(h.dialer.proxyStats().map((s) => s.requests)).toEqual([100, 300]);
  });

  it('a per-dial proxy overrides the pool (tried once, no failover); null goes direct; localAddress and verify per dial', async () => {
    const h = harness({ proxies: [fleet.microsocks.url('socks5h')], localAddresses: ['127.0.0.9'] });
    const target = { protocol: 'http:' as const, hostname: 'localhost', port: fleet.httpOrigin.port };
    const given = await h.dialer.dial(target, { proxy: fleet.tinyproxy.url('http') });
    given.socket.destroy();
    const tiny = new URL(fleet.tinyproxy.url('http'));
    expect(given).toMatchObject({ proxied: true, proxy: `http://${tiny.hostname}:${tiny.port}` });
    expect(h.dialer.proxyStats()[0]!.requests).toBe(0); // the pool member was not used
    const direct = await h.dialer.dial(target, { proxy: null });
    expect(direct).toMatchObject({ proxied: false, remoteAddress: '127.0.0.1' });
    expect(direct.socket.localAddress).toBe('127.0.0.9');
    direct.socket.destroy();
    const fromAddress = await h.dialer.dial(target, { proxy: null, localAddress: '127.0.0.7' });
    expect(fromAddress.socket.localAddress).toBe('127.0.0.7');
    fromAddress.socket.destroy();
    const dead = `socks5h://127.0.0.1:${await freePort()}`;
    await expect(h.dialer.dial(target, { proxy: dead })).rejects.toBeInstanceOf(ProxyError);
    expect(h.dialer.proxyStats()[0]!.requests).toBe(0); // no failover into the pool
    // The origin's certificate is signed by the test CA: verify:false is needed without it.
    const noCa = harness({ proxies: [], tls: {} });
    const https = { protocol: 'https:' as const, hostname: 'localhost', port: fleet.httpsOrigin.port };
    await expect(noCa.dialer.dial(https)).rejects.toMatchObject({ code: 'ERR_TLS_HANDSHAKE' });
    const unverified = await noCa.dialer.dial(https, { verify: false });
    expect((unverified.socket as tls.TLSSocket).authorized).toBe(false);
    unverified.socket.destroy();
    await expect(h.dialer.dial(target, { proxy: 'ftp://x' })).rejects.toMatchObject({ code: 'ERR_PROXY_UNSUPPORTED' });
  });

  it('local addresses are ignored when proxied', async () => {
    const h = harness({ proxies: [fleet.microsocks.url('socks5h')], localAddresses: ['127.0.0.9'] });
    const result = await h.dialer.dial({ protocol: 'http:', hostname: 'localhost', port: fleet.httpOrigin.port });
    expect(result.socket.localAddress).not.toBe('127.0.0.9');
    result.socket.destroy();
  });
});
