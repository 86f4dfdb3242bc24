import { parseForwardProxyConfig } from '../../src/proxy/forward/config';
import { ProxyServerError } from '../../src/proxy/errors';
import { BasicAuth, parseBasic } from '../../src/proxy/forward/auth';
import { parseListenAddress } from '../../src/proxy/listen-address';
import { parseConnectAuthority } from '../../src/proxy/request-target';
import { parseConnectHead } from '../../src/proxy/forward/connect-head';

function fieldOf(input: unknown): string | undefined {
  try {
    parseForwardProxyConfig(input);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyServerError);
    expect((error as ProxyServerError).code).toBe('ERR_PROXY_CONFIG');
    return (error as ProxyServerError).field;
  }
}

describe('config validation names the bad field', () => {
  test.each([
    [[], '(root)'],
    [{ listn: '127.0.0.1:1' }, 'listn'],
    [{ listen: 'host:port' }, 'listen'],
    [{ listen: '127.0.0.1:70000' }, 'listen'],
    [{ upstreams: {} }, 'upstreams'],
    [{ upstreams: [{ url: 'http://a:1' }, { url: 'gopher://b:1' }] }, 'upstreams[1].url'],
    [{ upstreams: [{ url: 'http://a:1', weight: 0 }] }, 'upstreams[0].weight'],
    [{ upstreams: [{ url: 'http://a:1', weight: '3' }] }, 'upstreams[0].weight'],
    [{ upstreams: [{ url: 'http://a:1', enabled: 'yes' }] }, 'upstreams[0].enabled'],
    [{ upstreams: [{ url: 'http://a:1', tag: 'has space' }] }, 'upstreams[0].tag'],
    [{ upstreams: [{ url: 'http://a:1', colour: 'red' }] }, 'upstreams[0].colour'],
    [{ upstreams: [{ url: 'http://a:1' }, { url: 'http://a:1' }] }, 'upstreams[1]'],
    [{ upstreams: [{ weight: 1 }] }, 'upstreams[0].url'],
    [{ auth: { users: [] } }, 'auth.users'],
    [{ auth: { users: [{ username: 'a:b', password: 'x' }] } }, 'auth.users[0].username'],
    [{ auth: { users: [{ username: 'a' }] } }, 'auth.users[0].password'],
    [{ retries: -1 }, 'retries'],
    [{ retries: 1.5 }, 'retries'],
    [{ statsPath: 'stats' }, 'statsPath'],
    [{ statsPath: '/x', metricsPath: '/x' }, 'metricsPath'],
    [{ maxClients: 0 }, 'maxClients'],
    [{ maxPendingClients: 0 }, 'maxPendingClients'],
    [{ maxPendingClients: 2.5 }, 'maxPendingClients'],
    [{ maxClients: 10, maxPendingClients: 11 }, 'maxPendingClients'],
    [{ pendingTimeoutMs: 0 }, 'pendingTimeoutMs'],
    [{ pendingTimeoutMs: '5s' }, 'pendingTimeoutMs'],
    [{ idleTimeoutMs: 'long' }, 'idleTimeoutMs'],
    [{ maxHeaderBytes: 10 }, 'maxHeaderBytes'],
    [{ health: { failureThreshold: 0 } }, 'health.failureThreshold'],
    [{ health: { cooldownMs: 5000, maxCooldownMs: 10 } }, 'health.maxCooldownMs'],
    [{ health: { check: { url: 'ftp://x/' } } }, 'health.check.url'],
  ])('%j -> %s', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  test('errors never echo upstream credentials', () => {
    try {
      parseForwardProxyConfig({ upstreams: [{ url: 'bogus://user:hunter2@host:1' }] });
      throw new Error('accepted');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  test('defaults, and the example config from the issue', () => {
    const config = parseForwardProxyConfig({
      listen: '127.0.0.1:8080',
      auth: { users: [{ username: 'u', password: 'p' }] },
      upstreams: [{ url: 'socks5h://user:pass@host:1080', weight: 3, tag: 'residential', enabled: true }],
      retries: 2,
      statsPath: '/stats',
    });
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      retries: 2,
      statsPath: '/stats',
      metricsPath: '/metrics',
      maxClients: 1024,
      maxPendingClients: 256,
      pendingTimeoutMs: 5000,
      health: { failureThreshold: 3, cooldownMs: 5000 },
    });
    expect(config.upstreams[0]).toMatchObject({ weight: 3, tag: 'residential', enabled: true });
    expect(parseForwardProxyConfig({}).listen).toEqual({ host: '127.0.0.1', port: 8080 });
    // The pending cap defaults below a small maxClients, and may equal it.
    expect(parseForwardProxyConfig({ maxClients: 10 }).maxPendingClients).toBe(10);
    expect(parseForwardProxyConfig({ maxClients: 10, maxPendingClients: 10 }).maxPendingClients).toBe(10);
    expect(parseForwardProxyConfig({ upstreams: ['http://x:1'] }).upstreams[0]).toMatchObject({ weight: 1, enabled: true });
  });
});

test('listen addresses: bare port binds loopback, IPv6 in brackets', () => {
  expect(parseListenAddress('9000')).toEqual({ host: '127.0.0.1', port: 9000 });
  expect(parseListenAddress('0.0.0.0:81')).toEqual({ host: '0.0.0.0', port: 81 });
  expect(parseListenAddress('[::1]:82')).toEqual({ host: '::1', port: 82 });
});

test('CONNECT authorities', () => {
  expect(parseConnectAuthority('example.com:443')).toEqual({ host: 'example.com', port: 443 });
  expect(parseConnectAuthority('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
  for (const bad of ['example.com', 'example.com:0', 'a:65536', 'user@host:1', 'http://x:1', '', undefined]) {
    expect(parseConnectAuthority(bad)).toBeUndefined();
  }
});

test('Basic auth: every user checked, tag suffix only for the base user', () => {
  const auth = new BasicAuth([
    { username: 'alice', password: 'a' },
    { username: 'bob-tag-x', password: 'b' },
  ]);
  const header = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  expect(auth.check(header('alice', 'a'))).toEqual({ ok: true, username: 'alice' });
  expect(auth.check(header('alice-tag-mobile', 'a'))).toEqual({ ok: true, username: 'alice', tag: 'mobile' });
  expect(auth.check(header('bob-tag-x', 'b'))).toEqual({ ok: true, username: 'bob-tag-x' }); // a real user wins
  expect(auth.check(header('alice', 'b'))).toEqual({ ok: false, reason: 'invalid' });
  expect(auth.check(header('alice-tag-', 'a'))).toEqual({ ok: false, reason: 'invalid' });
  expect(auth.check(undefined)).toEqual({ ok: false, reason: 'missing' });
  expect(parseBasic('basic   ' + Buffer.from('u:p:q').toString('base64'))).toEqual({ username: 'u', password: 'p:q' });
  expect(parseBasic('Digest abc')).toBeUndefined();
});

test('CONNECT head parsing', () => {
  expect(parseConnectHead('CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nX-Warcwire-Tag:  fast \r\nX-A: 1\r\nx-a: 2')).toEqual({
    target: 'a:1',
    headers: { host: 'a:1', 'x-warcwire-tag': 'fast', 'x-a': '1, 2' },
  });
  for (const bad of [
    'CONNECT a:1 HTTP/2.0',
    'CONNECT a:1',
    'GET a:1 HTTP/1.1',
    'CONNECT a:1 HTTP/1.1\r\nno colon',
    'CONNECT a:1 HTTP/1.1\r\nBad Name: x',
    'CONNECT a:1 HTTP/1.1\r\nX: a\u0001b',
    'CONNECT a:1 HTTP/1.1\r\nX-Warcwire-Tag: a\r\nX-Warcwire-Tag: b',
    'CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic eDp5\r\nProxy-Authorization: Basic eDp5',
  ]) {
    expect(parseConnectHead(bad)).toBeUndefined();
  }
});
