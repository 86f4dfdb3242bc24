/**
 * The forward proxy under abuse: slowloris connections that never finish a
 * head, bare-LF and malformed request lines, and the proxy's memory after an
 * attack. The big run holds 1,500 sockets against a proxy in a child process
 * (its own fds, its own heap to measure) running the compiled package: run
 * `npm run build` first.
 */
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { ForwardProxyConfigInput } from '../../src/proxy/forward/config';
import type { StatsSnapshot } from '../../src/proxy/forward/proxy-stats';
import { forwardProxiesPerTest } from '../helpers/forward-proxies';
import { basic, curl, echoThrough, openTunnel } from '../helpers/proxy-clients';
import { startEchoServer, startHttpTarget, type Running } from '../helpers/proxy-targets';

const ROOT = path.resolve(__dirname, '../..');
const USER = { username: 'crawler', password: 'pw' };
const AUTH = { users: [USER] };
const PROXY_AUTH = basic(USER.username, USER.password);

let echo: Running;
let web: Running;

beforeAll(async () => {
  [echo, web] = await Promise.all([startEchoServer(), startHttpTarget()]);
});
afterAll(async () => {
  await Promise.all([echo.close(), web.close()]);
});
const start = forwardProxiesPerTest();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `bytes` and resolves with everything the proxy answers and how long until it closed. */
function exchange(port: number, bytes: string, limitMs: number): Promise<{ answer: string; ms: number; closed: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, ms: performance.now() - started, closed });
    };
    const timer = setTimeout(() => done(false), limitMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
  });
}

describe('request lines are judged as soon as they end', () => {
  test('bare-LF and malformed request lines get 400 at once, and the connection closes', async () => {
    const proxy = await start({ auth: AUTH });
    const target = `127.0.0.1:${echo.port}`;
    const requests = [
      `CONNECT ${target} HTTP/1.1\nHost: ${target}\n\n`,
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\n\n`, // bare LF after the request line
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${PROXY_AUTH}\n`, // and no end in sight
      `GET http://${target}/ HTTP/1.1\nHost: ${target}\n\n`,
      'GET /\n',
      'GET /\r\n', // no version
      'HELLO\r\n',
      `CONNECT ${target} HTTP/1.1 extra\r\n`,
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n', // TLS straight at the proxy port
    ];
    for (const request of requests) {
      const { answer, ms, closed } = await exchange(proxy.port, request, 2000);
      expect({ request, answer: answer.split('\r\n')[0], closed }).toEqual({ request, answer: 'HTTP/1.1 400 Bad Request', closed: true });
      expect(ms).toBeLessThan(1000);
    }
    expect(proxy.stats().rejected.badRequest).toBe(requests.length);
  });

  test('what was accepted before still is: empty lines before a request, tunnel bytes sent with the head', async () => {
    const proxy = await start();
    const plain = await exchange(proxy.port, `\r\nGET http://127.0.0.1:${web.port}/lead HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 2000);
    expect(plain.answer).toMatch(/^HTTP\/1\.1 200 [^]*hello GET \/lead\n/);
    // Bytes after the head belong to the tunnel, bare LFs and all.
    const eager = await exchange(proxy.port, `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\nline\nbinary\x00\n`, 500);
    expect(eager.answer).toBe('HTTP/1.1 200 Connection Established\r\n\r\nline\nbinary\x00\n');
  });
});

/** A connection that sends nothing. */
async function idle(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  await sleep(20); // let the proxy accept it before the next one
  return { socket, closed };
}

describe('connections without an accepted head', () => {
  test('get 408 after pendingTimeoutMs, however slowly they trickle; an authenticated tunnel is untouched', async () => {
    const proxy = await start({ auth: AUTH, pendingTimeoutMs: 400 });
    const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { 'Proxy-Authorization': PROXY_AUTH });
    expect(tunnel.status).toBe(200);
    const started = performance.now();
    const slow = net.connect(proxy.port, '127.0.0.1', () => slow.write('CONNECT 127.0.0.1:1 HTTP/1.1\r\nX: '));
    const trickle = setInterval(() => slow.write('a'), 50);
    let answer = '';
    slow.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    await new Promise((resolve) => slow.once('close', resolve));
    clearInterval(trickle);
    const ms = performance.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(1500);
    await sleep(100); // the tunnel is older than the deadline now
    expect(await echoThrough(tunnel.socket, 'still here')).toBe('still here');
    tunnel.socket.destroy();
    expect(proxy.stats().rejected.slow).toBe(1);
  });

  test('one more than maxPendingClients sheds the oldest pending connection, and real clients get in', async () => {
    const proxy = await start({ auth: AUTH, maxClients: 4, maxPendingClients: 2 });
    const first = await idle(proxy.port);
    const second = await idle(proxy.port);
    const third = await idle(proxy.port);
    await first.closed; // shed, not the newcomer
    expect([second.socket.destroyed, third.socket.destroyed]).toEqual([false, false]);
    expect(proxy.stats().clients).toEqual({ pending: 2, active: 0 });
    // Active tunnels fill maxClients: each newcomer sheds a pending one rather than being refused.
    const tunnels = [];
    for (let i = 0; i < 4; i++) {
      const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { 'Proxy-Authorization': PROXY_AUTH });
      expect(tunnel.status).toBe(200);
      tunnels.push(tunnel.socket);
    }
    await Promise.all([second.closed, third.closed]);
    expect(proxy.stats().clients).toEqual({ pending: 0, active: 4 });
    expect(proxy.metrics()).toContain('warcwire_proxy_client_connections{state="active"} 4');
    // Only a proxy full of active clients refuses.
    const refused = await exchange(proxy.port, `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`, 2000);
    expect(refused.answer).toMatch(/^HTTP\/1\.1 503 /);
    for (const socket of tunnels) socket.destroy();
    expect(proxy.stats().rejected).toMatchObject({ slow: 3, overload: 1 });
  });
});

test('a reload gives new connections the new pending limits', async () => {
  const proxy = await start({ maxPendingClients: 4 });
  expect(proxy.reload({ listen: `127.0.0.1:${proxy.port}`, maxPendingClients: 1 })).toEqual({ ok: true });
  const first = await idle(proxy.port);
  const second = await idle(proxy.port);
  await first.closed;
  expect(second.socket.destroyed).toBe(false);
  expect(proxy.stats().clients).toEqual({ pending: 1, active: 0 });
  second.socket.destroy();
});

/** A proxy in a child process, driven over stdin/stdout lines of JSON. */
class ChildProxy {
  private readonly replies: ((value: unknown) => void)[] = [];
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly port: number,
  ) {}

  static async start(config: ForwardProxyConfigInput): Promise<ChildProxy> {
    const json = JSON.stringify({ listen: '127.0.0.1:0', ...config });
    const child = spawn(process.execPath, ['--expose-gc', path.join(ROOT, 'test/helpers/proxy-child.js'), json], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = readline.createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', () => reject(new Error(`proxy child exited: ${stderr}`)));
    });
    const proxy = new ChildProxy(child, (JSON.parse(first) as { port: number }).port);
    lines.on('line', (line) => proxy.replies.shift()?.(JSON.parse(line)));
    return proxy;
  }

  private ask<T>(command: string): Promise<T> {
    return new Promise((resolve) => {
      this.replies.push(resolve as (value: unknown) => void);
      this.child.stdin.write(`${command}\n`);
    });
  }

  stats = (): Promise<StatsSnapshot> => this.ask('stats');
  memory = (): Promise<NodeJS.MemoryUsage> => this.ask('memory');

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

interface Slowloris {
  sockets: net.Socket[];
  /** Connections the proxy closed so far. */
  closedByProxy: () => number;
  end: () => void;
}

/** Opens `count` connections in batches (the listen backlog is finite); half send a partial CONNECT head. */
async function slowloris(port: number, count: number): Promise<Slowloris> {
  const sockets: net.Socket[] = [];
  let closedByProxy = 0;
  let ended = false;
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, (_, j) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          sockets.push(socket);
          socket.on('error', () => undefined);
          socket.once('close', () => {
            if (!ended) closedByProxy += 1;
            resolve();
          });
          socket.once('connect', () => {
            if ((i + j) % 2 === 0) socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: `);
            resolve();
          });
        }),
      ),
    );
  }
  const end = (): void => {
    ended = true;
    for (const socket of sockets) socket.destroy();
  };
  return { sockets, closedByProxy: () => closedByProxy, end };
}

test('1,500 slowloris connections do not stop authenticated tunnels, and the heap returns to its start', async () => {
  const proxy = await ChildProxy.start({ auth: AUTH });
  try {
    const through = (name: string): Promise<{ code: number; stdout: string; ms: number }> => {
      const started = performance.now();
      return curl(['-p', '-x', `http://127.0.0.1:${proxy.port}`, '--proxy-user', `${USER.username}:${USER.password}`, `http://127.0.0.1:${web.port}/${name}`]).then(
        (result) => ({ code: result.code, stdout: result.stdout, ms: performance.now() - started }),
      );
    };
    // Warm up the paths the attack and the clients take, so lazily compiled code is in the baseline.
    expect(await through('warm')).toMatchObject({ code: 0, stdout: 'hello GET /warm\n' });
    expect((await exchange(proxy.port, 'CONNECT x HTTP/1.1\r\n\r\n', 2000)).answer).toMatch(/^HTTP\/1\.1 400 /);
    await sleep(200);
    const before = await proxy.memory();

    const attack = await slowloris(proxy.port, 1500);
    const trickle = setInterval(() => {
      for (const socket of attack.sockets) if (!socket.destroyed && socket.bytesWritten > 0) socket.write('a');
    }, 500);
    try {
      // The real clients come while the attack holds every socket it could open.
      const during = await Promise.all([through('during-1'), through('during-2')]);
      for (const [i, result] of during.entries()) {
        expect(result).toMatchObject({ code: 0, stdout: `hello GET /during-${i + 1}\n` });
        expect(result.ms).toBeLessThan(2500); // well before any head deadline
      }
      const tunnel = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { 'Proxy-Authorization': PROXY_AUTH });
      expect(tunnel.status).toBe(200);
      expect(await echoThrough(tunnel.socket, 'through the flood')).toBe('through the flood');
      tunnel.socket.destroy();
      const stats = await proxy.stats();
      expect(stats.clients.pending).toBeLessThanOrEqual(256);
      expect(stats.rejected.slow).toBeGreaterThanOrEqual(1500 - 256);
      expect(attack.closedByProxy()).toBeGreaterThanOrEqual(1500 - 256);
    } finally {
      clearInterval(trickle);
      attack.end();
    }

    // Every connection gone (the proxy's own count), then the heap after a full GC.
    for (let i = 0; i < 50; i++) {
      const { clients } = await proxy.stats();
      if (clients.pending + clients.active === 0) break;
      await sleep(100);
    }
    expect((await proxy.stats()).clients).toEqual({ pending: 0, active: 0 });
    const after = await proxy.memory();
    expect(after.heapUsed).toBeLessThanOrEqual(before.heapUsed * 1.2);
  } finally {
    await proxy.stop();
  }
}, 30_000);
