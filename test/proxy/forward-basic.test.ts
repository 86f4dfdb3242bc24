import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createForwardProxy } from '../../src/proxy/forward/forward-proxy';
import { forwardProxiesPerTest } from '../helpers/forward-proxies';
import { basic, curl, echoThrough, openTunnel } from '../helpers/proxy-clients';
import { makeCert, startEchoServer, startHttpsTarget, startHttpTarget, type Running, type TestCert } from '../helpers/proxy-targets';

let echo: Running;
let web: Running;
let secure: Running;
let cert: TestCert;
let certFile: string;

beforeAll(async () => {
  cert = makeCert();
  certFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-proxy-test-')), 'ca.pem');
  fs.writeFileSync(certFile, cert.cert);
  [echo, web, secure] = await Promise.all([startEchoServer(), startHttpTarget(), startHttpsTarget(cert)]);
});
afterAll(async () => {
  await Promise.all([echo.close(), web.close(), secure.close()]);
  fs.rmSync(path.dirname(certFile), { recursive: true, force: true });
});
const start = forwardProxiesPerTest();

const AUTH = { users: [{ username: 'crawler', password: 's3cret:with colon' }] };

/** Reads until the peer closes; returns everything. */
function readAll(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
  });
}

describe('direct mode (no upstreams)', () => {
  test('curl fetches http and https targets through it', async () => {
    const proxy = await start();
    expect(proxy.config.listen.host).toBe('127.0.0.1');
    const plain = await curl(['-x', proxy.url, `http://127.0.0.1:${web.port}/plain?x=1`]);
    expect(plain).toMatchObject({ code: 0, stdout: 'hello GET /plain?x=1\n' });
    const post = await curl(['-x', proxy.url, '--data-binary', 'abc', `http://127.0.0.1:${web.port}/form`]);
    expect(post.stdout).toBe('hello POST /form abc\n');
    const tls = await curl(['--cacert', certFile, '-x', proxy.url, `https://localhost:${secure.port}/tls`]);
    expect(tls).toMatchObject({ code: 0, stdout: 'hello GET /tls\n' });
    // plain http through a CONNECT tunnel too
    const tunnelled = await curl(['-p', '-x', proxy.url, `http://127.0.0.1:${web.port}/tunnel`]);
    expect(tunnelled.stdout).toBe('hello GET /tunnel\n');
    expect(proxy.stats().overall.lifetime).toMatchObject({ total: 4, success: 4, failed: 0 });
  });

  test('a large download passes through intact', async () => {
    const proxy = await start();
    const result = await curl(['-x', proxy.url, '-o', '/dev/null', '-w', '%{size_download}', `http://127.0.0.1:${web.port}/bytes/5000000`]);
    expect(result.stdout).toBe('5000000');
    const tunnelled = await curl(['-k', '-x', proxy.url, '-o', '/dev/null', '-w', '%{size_download}', `https://127.0.0.1:${secure.port}/bytes/3000000`]);
    expect(tunnelled.stdout).toBe('3000000');
  });

  test('answers 502 when the target refuses', async () => {
    const proxy = await start();
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await openTunnel(proxy.port, `127.0.0.1:${port}`)).status).toBe(502);
    const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', proxy.url, `http://127.0.0.1:${port}/`]);
    expect(plain.stdout).toBe('502');
    expect(proxy.stats().overall.lifetime).toMatchObject({ total: 2, success: 0, failed: 2 });
  });
});

describe('client authentication', () => {
  test('407 with Proxy-Authenticate when credentials are missing or wrong', async () => {
    const proxy = await start({ auth: AUTH });
    const target = `127.0.0.1:${echo.port}`;
    const missing = await openTunnel(proxy.port, target);
    expect(missing.status).toBe(407);
    expect(missing.head).toMatch(/\r\nProxy-Authenticate: Basic realm="warcwire"/i);
    for (const header of [basic('crawler', 'wrong'), basic('nobody', 's3cret:with colon'), 'Basic !!!', 'Bearer abc', basic('crawler', '')]) {
      expect((await openTunnel(proxy.port, target, { 'Proxy-Authorization': header })).status).toBe(407);
    }
    const good = await openTunnel(proxy.port, target, { 'Proxy-Authorization': basic('crawler', 's3cret:with colon') });
    expect(good.status).toBe(200);
    expect(await echoThrough(good.socket, 'hi')).toBe('hi');
    good.socket.destroy();
    expect(proxy.stats().rejected.auth).toBe(6);
  });

  test('curl --proxy-user works; without it curl sees 407', async () => {
    const proxy = await start({ auth: AUTH });
    const ok = await curl(['-x', proxy.url, '--proxy-user', 'crawler:s3cret:with colon', `http://127.0.0.1:${web.port}/a`]);
    expect(ok.stdout).toBe('hello GET /a\n');
    const tls = await curl(['-k', '-x', proxy.url, '--proxy-user', 'crawler:s3cret:with colon', `https://127.0.0.1:${secure.port}/b`]);
    expect(tls.stdout).toBe('hello GET /b\n');
    const denied = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', proxy.url, `http://127.0.0.1:${web.port}/a`]);
    expect(denied.stdout).toBe('407');
    const deniedTls = await curl(['-k', '-x', proxy.url, '--proxy-user', 'crawler:nope', `https://127.0.0.1:${secure.port}/b`]);
    expect(deniedTls.code).not.toBe(0);
    expect(deniedTls.stderr).toMatch(/407/);
  });

  test('stats need credentials when auth is on (Authorization or Proxy-Authorization)', async () => {
    const proxy = await start({ auth: AUTH });
    const anonymous = await curl(['-o', '/dev/null', '-w', '%{http_code}', `${proxy.url}/stats`]);
    expect(anonymous.stdout).toBe('401');
    const withUser = await curl(['-u', 'crawler:s3cret:with colon', `${proxy.url}/stats`]);
    expect(JSON.parse(withUser.stdout)).toMatchObject({ mode: 'direct', windowSeconds: 900 });
    const metrics = await curl(['-H', `Proxy-Authorization: ${basic('crawler', 's3cret:with colon')}`, `${proxy.url}/metrics`]);
    expect(metrics.stdout).toMatch(/^# HELP warcwire_proxy_uptime_seconds/m);
  });
});

describe('limits and malformed input', () => {
  test('malformed requests get 400 and the connection closes', async () => {
    const proxy = await start();
    for (const request of [
      'GARBAGE\r\n\r\n',
      'CONNECT nohostport HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT 127.0.0.1:99999 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET ftp://example/ HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const socket = net.connect(proxy.port, '127.0.0.1');
      socket.write(request);
      const answer = await readAll(socket);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  test('a CONNECT after a plain request on the same kept-alive connection still tunnels', async () => {
    const proxy = await start();
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.write(`GET http://127.0.0.1:${web.port}/first HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\n\r\n`);
    let got = '';
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer): void => {
        got += c.toString('latin1');
        if (got.includes('hello GET /first\n')) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
    });
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const answer = await new Promise<string>((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString('latin1'))));
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await echoThrough(socket, 'after')).toBe('after');
    socket.destroy();
  });

  test('CONNECT heads split over many small writes, and a repeated tag header, are handled', async () => {
    const proxy = await start();
    const socket = net.connect(proxy.port, '127.0.0.1');
    const head = `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\nearly`;
    for (const ch of head) {
      socket.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    const got = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if (text.endsWith('early')) resolve(text);
      });
    });
    expect(got).toBe('HTTP/1.1 200 Connection Established\r\n\r\nearly'); // bytes sent with the head reach the target
    socket.destroy();
    const twice = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { 'X-Warcwire-Tag': 'a', 'x-warcwire-tag': 'b' });
    expect(twice.status).toBe(400);
  });

  test('a head larger than maxHeaderBytes gets 431', async () => {
    const proxy = await start({ maxHeaderBytes: 2048 });
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`);
    expect(await readAll(socket)).toMatch(/^HTTP\/1\.1 431 /);
  });

  test('clients beyond maxClients get 503; the first ones keep working', async () => {
    const proxy = await start({ maxClients: 2 });
    const a = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    const b = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    const third = net.connect(proxy.port, '127.0.0.1');
    third.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`);
    expect(await readAll(third)).toMatch(/^HTTP\/1\.1 503 /);
    expect(await echoThrough(a.socket, 'still')).toBe('still');
    a.socket.destroy();
    b.socket.destroy();
    expect(proxy.stats().rejected.overload).toBe(1);
  });

  test('idle tunnels are closed after idleTimeoutMs', async () => {
    const proxy = await start({ idleTimeoutMs: 300 });
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    const started = Date.now();
    await echoThrough(tunnel.socket, 'x');
    await new Promise((resolve) => tunnel.socket.once('close', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await new Promise((r) => setTimeout(r, 20));
    expect(proxy.stats().overall.lifetime.concurrency).toEqual({ current: 0, peak: 1 });
  });

  test('a client that does not read cannot make the proxy buffer the download', async () => {
    const big = await startEchoServer();
    const proxy = await start();
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${big.port}`);
    tunnel.socket.pause(); // never read: the echo's answers pile up
    const chunk = Buffer.alloc(64 * 1024, 'z');
    let written = 0;
    // Write until our own socket signals backpressure for a while.
    for (let i = 0; i < 400; i++) {
      if (!tunnel.socket.write(chunk)) {
        await Promise.race([new Promise((r) => tunnel.socket.once('drain', r)), new Promise((r) => setTimeout(r, 200))]);
        if (tunnel.socket.writableNeedDrain) break;
      }
      written += chunk.length;
    }
    expect(written).toBeLessThan(400 * chunk.length); // the pipe pushed back before 25 MiB
    const before = process.memoryUsage().rss;
    await new Promise((r) => setTimeout(r, 300));
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
    tunnel.socket.destroy();
    await big.close();
  });
});

test('binds loopback by default and refuses a bad config with the field named', async () => {
  await expect(createForwardProxy({ listen: '127.0.0.1:0', upstreams: [{ url: 'ftp://x:1' }] })).rejects.toMatchObject({
    code: 'ERR_PROXY_CONFIG',
    field: 'upstreams[0].url',
  });
  const proxy = await start({ listen: '0' });
  expect(proxy.host).toBe('127.0.0.1');
});
