import * as dgram from 'node:dgram';
import { Dialer } from '../../src/net/dialer';
import type { DnsCapture } from '../../src/net/dns-types';
import { NetError } from '../../src/net/errors';
import { connectHappyEyeballs, interleave } from '../../src/net/happy-eyeballs';
import { testCertificate } from '../helpers/tls-cert';
import { stopAllDaemons, type Daemon } from '../helpers/net-daemon';
import { requestOverSocket, startOrigin, type Origin } from '../helpers/net-origin';
import { freePort } from '../helpers/net-ports';
import { startDnsmasq } from '../helpers/net-proxies';

let httpOrigin: Origin;
let httpsOrigin: Origin;
let v6Origin: Origin;
let dns: Daemon & { server: string };

beforeAll(async () => {
  await Promise.all([
    startOrigin().then((o) => (httpOrigin = o)),
    startOrigin({ tls: true }).then((o) => (httpsOrigin = o)),
    startOrigin({ host: '::1' }).then((o) => (v6Origin = o)),
    startDnsmasq({ records: { 'origin.test': ['127.0.0.1'], 'dual.test': ['127.0.0.1', '::1'] } }).then((d) => (dns = d)),
  ]);
}, 90000);

afterAll(async () => {
  await stopAllDaemons();
  await Promise.all([httpOrigin?.close(), httpsOrigin?.close(), v6Origin?.close()]);
});

function dialer(extra: ConstructorParameters<typeof Dialer>[0] = {}): { dialer: Dialer; captures: DnsCapture[] } {
  const captures: DnsCapture[] = [];
  return {
    captures,
    dialer: new Dialer({
      dns: { servers: [dns.server], timeout: 2000 },
      tls: { ca: testCertificate().cert },
      onDnsRecord: (c) => captures.push(c),
      ...extra,
    }),
  };
}

describe('Dialer, direct', () => {
  it('dials http by name, archives the DNS answer once, and reports the remote address', async () => {
    const { dialer: d, captures } = dialer();
    const result = await d.dial({ protocol: 'http:', hostname: 'origin.test', port: httpOrigin.port });
    expect(result).toMatchObject({ proxied: false, remoteAddress: '127.0.0.1' });
    expect(result.proxy).toBeUndefined();
    await expect(requestOverSocket(result.socket, { host: 'origin.test' })).resolves.toEqual({ status: 200, body: 'hello GET /' });
    const again = await d.dial({ protocol: 'http:', hostname: 'origin.test', port: httpOrigin.port });
    again.socket.destroy();
    expect(captures.map((c) => c.host)).toEqual(['origin.test']); // second dial: cache hit, no record
    await d.close();
  });

  it('dials https with verification, SNI, ALPN http/1.1 and reports protocol and cipher', async () => {
    const { dialer: d } = dialer();
    const result = await d.dial({ protocol: 'https:', hostname: 'origin.test', port: httpsOrigin.port });
    const secure = result.socket as import('node:tls').TLSSocket;
    expect(secure.authorized).toBe(true);
    expect(secure.alpnProtocol).toBe('http/1.1');
    expect(result.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(typeof result.cipher).toBe('string');
    await expect(requestOverSocket(result.socket, { host: 'origin.test', path: '/s' })).resolves.toEqual({ status: 200, body: 'hello GET /s' });
    await d.close();
  });

  it('refuses an untrusted certificate unless verify is off, with a typed error', async () => {
    const strict = new Dialer({ dns: { servers: [dns.server] } });
    const error = (await strict.dial({ protocol: 'https:', hostname: 'localhost', port: httpsOrigin.port }).catch((e: unknown) => e)) as NetError;
    expect(error).toBeInstanceOf(NetError);
    expect(error.code).toBe('ERR_TLS_HANDSHAKE');
    const lax = new Dialer({ tls: { verify: false } });
    const result = await lax.dial({ protocol: 'https:', hostname: 'localhost', port: httpsOrigin.port });
    result.socket.destroy();
    expect(result.tlsProtocol).toBeDefined();
  });

  it('honours minVersion/maxVersion', async () => {
    const { dialer: d } = dialer({ tls: { ca: testCertificate().cert, maxVersion: 'TLSv1.2' } });
    const result = await d.dial({ protocol: 'https:', hostname: 'localhost', port: httpsOrigin.port });
    result.socket.destroy();
    expect(result.tlsProtocol).toBe('TLSv1.2');
  });

  it('IP literals and localhost need no DNS and produce no record', async () => {
    const { dialer: d, captures } = dialer({ dns: { servers: [`127.0.0.1:${await freePort()}`], timeout: 200 } });
    const literal = await d.dial({ protocol: 'http:', hostname: '127.0.0.1', port: httpOrigin.port });
    const v6 = await d.dial({ protocol: 'http:', hostname: '[::1]', port: v6Origin.port });
    const hosts = await d.dial({ protocol: 'http:', hostname: 'localhost', port: httpOrigin.port });
    for (const r of [literal, v6, hosts]) r.socket.destroy();
    expect(v6.remoteAddress).toBe('::1');
    expect(captures).toHaveLength(0);
  });

  it('Happy Eyeballs: IPv6 first; IPv4 when IPv6 is refused', async () => {
    const { dialer: d } = dialer();
    // dual.test has ::1 and 127.0.0.1. v6Origin listens on ::1 only, httpOrigin on 127.0.0.1 only.
    const preferred = await d.dial({ protocol: 'http:', hostname: 'dual.test', port: v6Origin.port });
    preferred.socket.destroy();
    expect(preferred.remoteAddress).toBe('::1');
    const fallback = await d.dial({ protocol: 'http:', hostname: 'dual.test', port: httpOrigin.port });
    fallback.socket.destroy();
    expect(fallback.remoteAddress).toBe('127.0.0.1');
  });

  it('ipv6: false connects over IPv4 to a name with both families', async () => {
    const { dialer: d, captures } = dialer({ dns: { servers: [dns.server], ipv6: false } });
    const result = await d.dial({ protocol: 'http:', hostname: 'dual.test', port: httpOrigin.port });
    result.socket.destroy();
    expect(result.remoteAddress).toBe('127.0.0.1');
    expect(captures[0]!.block).not.toContain('AAAA');
  });

  it('ipv4: false connects over IPv6 to a name with both families', async () => {
    const { dialer: d } = dialer({ dns: { servers: [dns.server], ipv4: false } });
    const result = await d.dial({ protocol: 'http:', hostname: 'dual.test', port: v6Origin.port });
    result.socket.destroy();
    expect(result.remoteAddress).toBe('::1');
    // Nothing listens on ::1 at httpOrigin's port, and IPv4 is off: a typed failure, no IPv4 attempt.
    await expect(d.dial({ protocol: 'http:', hostname: 'dual.test', port: httpOrigin.port })).rejects.toMatchObject({ code: 'ERR_DIAL_FAILED' });
  });

  it('uses the configured local addresses in turn', async () => {
    const { dialer: d } = dialer({ localAddresses: ['127.0.0.7', '127.0.0.8'] });
    const before = httpOrigin.seen.length;
    for (let i = 0; i < 4; i++) {
      const r = await d.dial({ protocol: 'http:', hostname: '127.0.0.1', port: httpOrigin.port });
      await requestOverSocket(r.socket, { host: 'x' });
    }
    expect(httpOrigin.seen.slice(before).map((s) => s.remoteAddress)).toEqual(['127.0.0.7', '127.0.0.8', '127.0.0.7', '127.0.0.8']);
  });

  it('DNS failures surface as typed errors naming the host', async () => {
    const { dialer: d } = dialer();
    await expect(d.dial({ protocol: 'http:', hostname: 'nope.test', port: 80 })).rejects.toMatchObject({ code: 'ERR_DNS_NXDOMAIN', host: 'nope.test' });
  });

  it('the dial budget bounds DNS too: a silent DNS server → ERR_DIAL_TIMEOUT on time', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const d = new Dialer({ dns: { servers: [`127.0.0.1:${silent.address().port}`], timeout: 10_000 } });
      const started = Date.now();
      const error = (await d.dial({ protocol: 'http:', hostname: 'slow.test', port: 80 }, { timeout: 300 }).catch((e: unknown) => e)) as NetError;
      expect(error).toBeInstanceOf(NetError);
      expect(error.code).toBe('ERR_DIAL_TIMEOUT');
      expect(error.message).toContain('slow.test');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });

  it('times out, aborts, and refuses after close()', async () => {
    const { dialer: d } = dialer();
    const controller = new AbortController();
    controller.abort();
    await expect(d.dial({ protocol: 'http:', hostname: '127.0.0.1', port: httpOrigin.port }, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    await expect(d.dial({ protocol: 'http:', hostname: '127.0.0.1', port: 70000 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await d.close();
    await expect(d.dial({ protocol: 'http:', hostname: '127.0.0.1', port: 1 })).rejects.toMatchObject({ code: 'ERR_DIALER_CLOSED' });
  });
});

describe('connectHappyEyeballs', () => {
  it('interleaves families, IPv6 first', () => {
    expect(interleave(['a6', 'b6'], ['a4', 'b4', 'c4'])).toEqual(['a6', 'a4', 'b6', 'b4', 'c4']);
  });

  it('fails with every address in the message when all are refused', async () => {
    const port = await freePort();
    const error = (await connectHappyEyeballs({ port, ipv6: ['::1'], ipv4: ['127.0.0.1'], timeout: 2000 }).catch((e: unknown) => e)) as NetError;
    expect(error.code).toBe('ERR_DIAL_FAILED');
    expect(error.message).toContain('::1: ECONNREFUSED');
    expect(error.message).toContain('127.0.0.1: ECONNREFUSED');
  });
});
