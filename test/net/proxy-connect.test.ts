import * as net from 'node:net';
import * as tls from 'node:tls';
import { connectViaProxy, proxySchemeOf } from '../../src/net/proxy-connect';
import { ProxyError } from '../../src/net/errors';
import { testCertificate } from '../helpers/tls-cert';
import { requestOverSocket } from '../helpers/net-origin';
import { freePort } from '../helpers/net-ports';
import type { ProxyDaemon } from '../helpers/net-proxies';
import { useProxyFleet } from '../helpers/net-proxy-fleet';

const creds = { user: 'crawler', password: 'p@ss:w/rd' }; // needs percent-encoding in the URL
// tinyproxy's config parser rejects @ : / in BasicAuth passwords.
const tinyCreds = { user: 'crawler', password: 'pass-word_1' };

const fleet = useProxyFleet({ credentials: creds, tinyproxyCredentials: tinyCreds, plainMicrosocks: true });

const proxyTls = { ca: testCertificate().cert };

const cases: Array<[string, () => string]> = [
  ['socks5 (microsocks)', () => fleet.microsocks.url('socks5')],
  ['socks5h with user/password (microsocks)', () => fleet.microsocksAuth.url('socks5h')],
  ['socks4 (danted)', () => fleet.dante.url('socks4')],
  ['socks4a (OpenSSH ssh -D; danted has no 4a)', () => fleet.sshSocks.url('socks4a')],
  ['socks5 (danted)', () => fleet.dante.url('socks5')],
  ['http with Basic auth (tinyproxy)', () => fleet.tinyproxy.url('http')],
  ['http with Basic auth (squid)', () => fleet.squid.url('http')],
  ['https with Basic auth (squid https_port)', fleet.squidTlsUrl],
];

describe.each(cases)('connectViaProxy through %s', (_name, proxyUrl) => {
  it('tunnels to a plain http origin', async () => {
    const socket = await connectViaProxy(new URL(proxyUrl()), { host: 'localhost', port: fleet.httpOrigin.port }, { timeout: 5000, proxyTls });
    const before = fleet.httpOrigin.seen.length;
    const reply = await requestOverSocket(socket, { host: `localhost:${fleet.httpOrigin.port}`, path: '/plain?x=1' });
    expect(reply).toEqual({ status: 200, body: 'hello GET /plain?x=1' });
    const seen = fleet.httpOrigin.seen[before]!;
    expect(seen.url).toBe('/plain?x=1'); // origin-form: the request went through a tunnel
    expect(seen.proxyAuthorization).toBeUndefined();
  });

  it('tunnels to an https origin (TLS end to end with the origin)', async () => {
    const raw = await connectViaProxy(new URL(proxyUrl()), { host: 'localhost', port: fleet.httpsOrigin.port }, { timeout: 5000, proxyTls });
    const secure = tls.connect({ socket: raw, servername: 'localhost', ca: testCertificate().cert, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    expect(secure.authorized).toBe(true);
    const reply = await requestOverSocket(secure, { host: `localhost:${fleet.httpsOrigin.port}`, path: '/secure' });
    expect(reply).toEqual({ status: 200, body: 'hello GET /secure' });
  });
});

describe('proxy failures are typed and never show credentials', () => {
  const wrong = { user: 'crawler', password: 'WRONG-secret' };
  const withWrong = (daemon: ProxyDaemon, scheme: string): URL => {
    const url = new URL(daemon.url(scheme));
    url.username = wrong.user;
    url.password = wrong.password;
    return url;
  };

  it.each([
    ['socks5h', () => withWrong(fleet.microsocksAuth, 'socks5h'), 'ERR_PROXY_AUTH'],
    ['http tinyproxy', () => withWrong(fleet.tinyproxy, 'http'), 'ERR_PROXY_AUTH'],
    ['http squid', () => withWrong(fleet.squid, 'http'), 'ERR_PROXY_AUTH'],
  ])('wrong credentials (%s) → ERR_PROXY_AUTH naming scheme://host:port', async (_name, url, code) => {
    const proxy = url();
    const error = await connectViaProxy(proxy, { host: 'localhost', port: fleet.httpOrigin.port }, { timeout: 5000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProxyError);
    const proxyError = error as ProxyError;
    expect(proxyError.code).toBe(code);
    expect(proxyError.proxy).toBe(`${proxy.protocol}//127.0.0.1:${proxy.port}`);
    expect(proxyError.message).toContain(proxyError.proxy);
    expect(proxyError.message).not.toContain('WRONG-secret');
    expect(JSON.stringify(proxyError, Object.getOwnPropertyNames(proxyError))).not.toContain('WRONG-secret');
    expect(String((proxyError.cause as Error | undefined)?.message ?? '')).not.toContain('WRONG-secret');
  });

  it('a CONNECT the proxy refuses (no auth given to an auth proxy) carries the status', async () => {
    const proxy = new URL(`http://127.0.0.1:${fleet.squid.port}`);
    const error = (await connectViaProxy(proxy, { host: 'localhost', port: fleet.httpOrigin.port }).catch((e: unknown) => e)) as ProxyError;
    expect(error.code).toBe('ERR_PROXY_AUTH');
    expect(error.statusCode).toBe(407);
  });

  it('the proxy cannot reach the target: CONNECT status / SOCKS rejection, typed', async () => {
    const closed = await freePort();
    const connectError = (await connectViaProxy(new URL(fleet.tinyproxy.url('http')), { host: '127.0.0.1', port: closed }).catch(
      (e: unknown) => e,
    )) as ProxyError;
    expect(connectError.code).toBe('ERR_PROXY_CONNECT_STATUS');
    expect(connectError.statusCode).toBeGreaterThanOrEqual(500);
    expect(connectError.message).not.toContain(tinyCreds.password);
    const socksError = (await connectViaProxy(new URL(fleet.dante.url('socks5')), { host: '127.0.0.1', port: closed }).catch(
      (e: unknown) => e,
    )) as ProxyError;
    expect(socksError.code).toBe('ERR_PROXY_SOCKS_REJECTED');
  });

  it('an https proxy with an untrusted certificate → ERR_PROXY_TLS', async () => {
    const error = (await connectViaProxy(new URL(fleet.squidTlsUrl()), { host: 'localhost', port: fleet.httpOrigin.port }).catch((e: unknown) => e)) as ProxyError;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error.code).toBe('ERR_PROXY_TLS');
    expect(error.message).toContain(`https://localhost:${fleet.squid.tlsPort}`);
    expect(error.message).not.toContain(creds.password);
  });

  it('a dead proxy → ERR_PROXY_REFUSED', async () => {
    const port = await freePort();
    const error = (await connectViaProxy(new URL(`socks5://u:secret@127.0.0.1:${port}`), { host: 'localhost', port: 1 }).catch(
      (e: unknown) => e,
    )) as ProxyError;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error.code).toBe('ERR_PROXY_REFUSED');
    expect(error.message).not.toContain('secret');
  });

  it('a proxy that never answers → ERR_PROXY_TIMEOUT within the budget, socket closed', async () => {
    const accepted: net.Socket[] = [];
    let closed = 0;
    const silent = net.createServer((socket) => {
      accepted.push(socket);
      socket.resume();
      socket.on('close', () => (closed += 1));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      for (const scheme of ['socks5h', 'http']) {
        const started = Date.now();
        const error = (await connectViaProxy(new URL(`${scheme}://127.0.0.1:${port}`), { host: 'localhost', port: 80 }, { timeout: 300 }).catch(
          (e: unknown) => e,
        )) as ProxyError;
        expect(error.code).toBe('ERR_PROXY_TIMEOUT');
        expect(Date.now() - started).toBeLessThan(2000);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(accepted).toHaveLength(2);
      expect(closed).toBe(2); // the client hung up both half-open handshakes
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('an aborted signal ends the handshake with ERR_ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = (await connectViaProxy(new URL(fleet.microsocks.url()), { host: 'localhost', port: fleet.httpOrigin.port }, { signal: controller.signal }).catch(
      (e: unknown) => e,
    )) as ProxyError;
    expect(error.code).toBe('ERR_ABORTED');
  });

  it('unknown schemes are rejected without echoing the URL', () => {
    expect(() => proxySchemeOf(new URL('ftp://user:pw@host:21'))).toThrow(/unsupported proxy scheme "ftp:" \(proxy ftp:\/\/host\)$/);
  });
});
