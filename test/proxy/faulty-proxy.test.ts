import net from 'node:net';
import { createFaultyProxy, type FaultyProxy } from '../../src/proxy/faulty/faulty-proxy';
import { ProxyServerError } from '../../src/proxy/errors';
import type { FaultSpec } from '../../src/proxy/faulty/options';
import { curl, echoThrough, openTunnel } from '../helpers/proxy-clients';
import { makeCert, startEchoServer, startHttpsTarget, startHttpTarget, type Running } from '../helpers/proxy-targets';

let echo: Running & { connections: () => number };
let web: Running;
let secure: Running;
const open: FaultyProxy[] = [];

beforeAll(async () => {
  echo = await startEchoServer();
  web = await startHttpTarget();
  secure = await startHttpsTarget(makeCert());
});
afterAll(async () => {
  await Promise.all([echo.close(), web.close(), secure.close()]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function proxyWith(faults: FaultSpec[], seed = 1): Promise<FaultyProxy> {
  const proxy = await createFaultyProxy({ faults, seed });
  open.push(proxy);
  return proxy;
}

/** Resolves with how the connection ended: data received and 'end' | 'reset' | 'error:<code>'. */
function outcome(socket: net.Socket): Promise<{ data: Buffer; how: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve({ data: Buffer.concat(chunks), how: 'end' }));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      resolve({ data: Buffer.concat(chunks), how: e.code === 'ECONNRESET' ? 'reset' : `error:${e.code}` }),
    );
  });
}

function rawConnect(port: number, target: string): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  return socket;
}

describe('faulty proxy without faults', () => {
  test('tunnels CONNECT, plain HTTP and HTTPS', async () => {
    const proxy = await proxyWith([]);
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    expect(tunnel.status).toBe(200);
    expect(await echoThrough(tunnel.socket, 'ping')).toBe('ping');
    tunnel.socket.destroy();

    const plain = await curl(['-x', proxy.url, `http://127.0.0.1:${web.port}/a?b=1`]);
    expect(plain.stdout).toBe('hello GET /a?b=1\n');
    const posted = await curl(['-x', proxy.url, '-d', 'body', `http://127.0.0.1:${web.port}/p`]);
    expect(posted.stdout).toBe('hello POST /p body\n');
    const tls = await curl(['-k', '-x', proxy.url, `https://127.0.0.1:${secure.port}/s`]);
    expect(tls.stdout).toBe('hello GET /s\n');
    expect(proxy.counters).toMatchObject({ connects: 2, requests: 2, forwarded: 4 });
  });

  test('answers 400 to origin-form requests and junk, 502 when the target is down', async () => {
    const proxy = await proxyWith([]);
    const origin = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', `${proxy.url}/stats`]);
    expect(origin.stdout).toBe('400');
    const junk = net.connect(proxy.port, '127.0.0.1');
    junk.write('NOT HTTP AT ALL\r\n\r\n');
    expect((await outcome(junk)).data.toString()).toMatch(/^HTTP\/1\.1 400 /);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await openTunnel(proxy.port, `127.0.0.1:${deadPort}`)).status).toBe(502);
  });
});

describe('faults before the tunnel', () => {
  test('reset sends a TCP RST', async () => {
    const proxy = await proxyWith([{ kind: 'reset' }]);
    const result = await outcome(rawConnect(proxy.port, `127.0.0.1:${echo.port}`));
    expect(result.how).toBe('reset');
    expect(result.data.length).toBe(0);
    expect(proxy.counters.faults.reset).toBe(1);
  });

  test('close sends a FIN without an answer', async () => {
    const proxy = await proxyWith([{ kind: 'close' }]);
    const result = await outcome(rawConnect(proxy.port, `127.0.0.1:${echo.port}`));
    expect(result).toEqual({ data: Buffer.alloc(0), how: 'end' });
  });

  test('timeout accepts and never answers, until the proxy closes', async () => {
    const proxy = await proxyWith([{ kind: 'timeout' }]);
    const socket = rawConnect(proxy.port, `127.0.0.1:${echo.port}`);
    const result = outcome(socket);
    const early = await Promise.race([result.then(() => 'ended'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(early).toBe('waiting');
    await proxy.close();
    expect((await result).data.length).toBe(0);
  });

  test('bad-gateway and internal-error answer 502 and 500, on CONNECT and plain HTTP', async () => {
    const bad = await proxyWith([{ kind: 'bad-gateway' }]);
    expect((await openTunnel(bad.port, `127.0.0.1:${echo.port}`)).status).toBe(502);
    const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', bad.url, `http://127.0.0.1:${web.port}/`]);
    expect(plain.stdout).toBe('502');
    const internal = await proxyWith([{ kind: 'internal-error' }]);
    expect((await openTunnel(internal.port, `127.0.0.1:${echo.port}`)).status).toBe(500);
    expect(echo.connections()).toBe(1); // only the fault-free test above reached the echo server
  });

  test('latency delays the answer by latencyMs ± jitterMs', async () => {
    const proxy = await proxyWith([{ kind: 'latency', latencyMs: 200, jitterMs: 50 }]);
    const started = Date.now();
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    const elapsed = Date.now() - started;
    tunnel.socket.destroy();
    expect(tunnel.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(148);
  });

  test('the same seed gives the same faults; the rate holds roughly', async () => {
    const runs: boolean[][] = [];
    for (let run = 0; run < 2; run++) {
      const proxy = await proxyWith([{ kind: 'bad-gateway', rate: 0.5 }], 42);
      const seen: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
        seen.push(tunnel.status === 502);
        tunnel.socket.destroy();
      }
      runs.push(seen);
    }
    expect(runs[0]).toEqual(runs[1]);
    const failures = runs[0]!.filter(Boolean).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
  });
});

describe('faults inside the tunnel', () => {
  test('limit-data delivers exactly N bytes then a FIN', async () => {
    const proxy = await proxyWith([{ kind: 'limit-data', limitBytes: 1000 }]);
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    const result = outcome(tunnel.socket);
    tunnel.socket.write(Buffer.alloc(5000, 'a'));
    const { data, how } = await result;
    expect(how).toBe('end');
    expect(data.length).toBe(1000);

    const plain = await curl(['-x', proxy.url, `http://127.0.0.1:${web.port}/bytes/10000`]);
    expect(plain.code).toBe(18); // curl: partial file
    expect(plain.stdout.length).toBe(1000);
  });

  test('reset fires after afterBytes have crossed the tunnel', async () => {
    const proxy = await proxyWith([{ kind: 'reset', phase: 'inside', afterBytes: 30 }]);
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    expect(await echoThrough(tunnel.socket, '0123456789')).toBe('0123456789'); // 20 bytes so far
    const result = outcome(tunnel.socket);
    tunnel.socket.write('0123456789abcdef');
    expect((await result).how).toBe('reset');
    expect(proxy.counters.faults.reset).toBe(1);
  });

  test('bandwidth caps the rate; slice cuts data into delayed pieces', async () => {
    const slow = await proxyWith([{ kind: 'bandwidth', bytesPerSecond: 40_000 }]);
    let started = Date.now();
    const body = await curl(['-x', slow.url, `http://127.0.0.1:${web.port}/bytes/20000`]);
    expect(body.stdout.length).toBe(20000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);

    const sliced = await proxyWith([{ kind: 'slice', sliceBytes: 2, sliceDelayMs: 25 }]);
    const tunnel = await openTunnel(sliced.port, `127.0.0.1:${echo.port}`);
    const pieces: number[] = [];
    tunnel.socket.on('data', (c: Buffer) => pieces.push(c.length));
    started = Date.now();
    await echoThrough(tunnel.socket, 'abcdefgh');
    tunnel.socket.destroy();
    // 4 pieces up 25 ms apart; the echo's pieces overlap them, the last one trails by 25 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(2);
  });

  test('inside latency delays data but keeps order', async () => {
    const proxy = await proxyWith([{ kind: 'latency', phase: 'inside', latencyMs: 60, jitterMs: 50 }]);
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    const message = Array.from({ length: 50 }, (_, i) => `<${i}>`).join('');
    const received = new Promise<string>((resolve) => {
      let got = '';
      tunnel.socket.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.length >= message.length) resolve(got);
      });
    });
    const started = Date.now();
    for (let i = 0; i < 50; i++) tunnel.socket.write(`<${i}>`);
    expect(await received).toBe(message);
    expect(Date.now() - started).toBeGreaterThanOrEqual(18);
    tunnel.socket.destroy();
  });
});

test('phase both applies a fault before the tunnel and again inside it', async () => {
  const proxy = await proxyWith([{ kind: 'latency', phase: 'both', latencyMs: 100 }]);
  let started = Date.now();
  const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
  expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  started = Date.now();
  expect(await echoThrough(tunnel.socket, 'both')).toBe('both');
  expect(Date.now() - started).toBeGreaterThanOrEqual(190); // delayed going up and coming back
  tunnel.socket.destroy();
  expect(proxy.counters.faults.latency).toBe(2);
});

test('invalid options throw a typed error naming the field', async () => {
  await expect(createFaultyProxy({ faults: [{ kind: 'reset', rate: 1.5 }] })).rejects.toMatchObject({
    code: 'ERR_FAULT_OPTIONS',
    field: 'faults[0].rate',
  });
  await expect(createFaultyProxy({ faults: [{ kind: 'bandwidth' }] })).rejects.toBeInstanceOf(ProxyServerError);
  await expect(createFaultyProxy({ faults: [{ kind: 'bad-gateway', phase: 'inside' }] })).rejects.toMatchObject({
    field: 'faults[0].phase',
  });
});

describe('warcwire faulty-proxy', () => {
  test('runs with faults from the command line until SIGTERM', async () => {
    const { default: command } = await import('../../src/cli/commands/faulty-proxy');
    const { PassThrough } = await import('node:stream');
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exit = command.run(['--listen', '127.0.0.1:0', '--seed', '3', '--fault', 'internal-error,rate=1'], {
      stdout: new PassThrough(),
      stderr,
    });
    for (let i = 0; i < 100 && !/listening on/.test(log); i++) await new Promise((r) => setTimeout(r, 20));
    const url = /listening on (\S+)/.exec(log)![1]!;
    expect((await openTunnel(Number(new URL(url).port), `127.0.0.1:${echo.port}`)).status).toBe(500);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(0);
    expect(log).toMatch(/"internal-error":1/);
  });

  test('bad fault specs are usage errors', async () => {
    const { default: command } = await import('../../src/cli/commands/faulty-proxy');
    const { PassThrough } = await import('node:stream');
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (c: Buffer) => (log += c.toString()));
    expect(await command.run(['--fault', 'reset,rate=lots'], { stdout: new PassThrough(), stderr })).toBe(2);
    expect(log).toMatch(/bad setting "rate=lots"/);
    expect(await command.run(['--fault', 'explode'], { stdout: new PassThrough(), stderr })).toBe(2);
    expect(log).toMatch(/faults\[0\]\.kind/);
  });
});
