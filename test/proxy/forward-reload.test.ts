import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import proxyCommand from '../../src/cli/commands/proxy';
import { createFaultyProxy, type FaultyProxy } from '../../src/proxy/faulty/faulty-proxy';
import { watchConfigFile } from '../../src/proxy/forward/config-file';
import { createForwardProxy } from '../../src/proxy/forward/forward-proxy';
import type { LogFields, Logger } from '../../src/obs/logger';
import { echoThrough, openTunnel, type TunnelResult } from '../helpers/proxy-clients';
import { startEchoServer, type Running } from '../helpers/proxy-targets';

let echo: Running;
let first: FaultyProxy;
let second: FaultyProxy;
let dir: string;

beforeAll(async () => {
  [echo, first, second] = await Promise.all([startEchoServer(), createFaultyProxy(), createFaultyProxy()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-proxy-reload-'));
});
afterAll(async () => {
  await Promise.all([echo.close(), first.close(), second.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function recordingLogger(): Logger & { lines: { level: string; msg: string; fields: LogFields }[] } {
  const lines: { level: string; msg: string; fields: LogFields }[] = [];
  const at = (level: string) => (fields: LogFields, msg: string) => void lines.push({ level, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const config = (upstream: FaultyProxy, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ listen: '127.0.0.1:0', upstreams: [{ url: upstream.url }], ...extra });

test('a file change reloads without dropping 50 open tunnels; new tunnels use the new pool', async () => {
  const file = path.join(dir, 'proxy.json');
  fs.writeFileSync(file, config(first));
  const logger = recordingLogger();
  const proxy = await createForwardProxy(JSON.parse(fs.readFileSync(file, 'utf8')), { logger });
  const stop = watchConfigFile(proxy, file, logger, 50);
  try {
    const tunnels: TunnelResult[] = [];
    for (let i = 0; i < 50; i++) tunnels.push(await openTunnel(proxy.port, `127.0.0.1:${echo.port}`));
    expect(tunnels.every((t) => t.status === 200)).toBe(true);
    expect(first.counters.connects).toBe(50);
    const closed: number[] = [];
    tunnels.forEach((t, i) => t.socket.once('close', () => closed.push(i)));

    // Editors often save by writing a new file and renaming it over the old one.
    fs.writeFileSync(`${file}.tmp`, config(second));
    fs.renameSync(`${file}.tmp`, file);
    await until(() => proxy.config.upstreams[0]!.url.href === new URL(second.url).href, 'the reload');

    for (const [i, t] of tunnels.entries()) expect(await echoThrough(t.socket, `still ${i}`)).toBe(`still ${i}`);
    for (let i = 0; i < 10; i++) {
      const t = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
      expect(t.status).toBe(200);
      t.socket.destroy();
    }
    expect(second.counters.connects).toBe(10);
    expect(first.counters.connects).toBe(50);
    expect(closed).toEqual([]);
    // the 10 new ones close asynchronously; the 50 old ones stay
    await until(() => proxy.stats().overall.lifetime.concurrency.current === 50, '50 open tunnels');
    expect(closed).toEqual([]);

    // An invalid config is refused, logged with the field, and the old one stays.
    fs.writeFileSync(file, config(first, { retries: -1 }));
    await until(() => logger.lines.some((l) => l.level === 'warn' && l.fields.field === 'retries'), 'the refusal');
    fs.writeFileSync(file, '{ not json');
    await until(() => logger.lines.some((l) => l.level === 'warn' && /not valid JSON/.test(l.msg)), 'the JSON refusal');
    const t = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    expect(t.status).toBe(200);
    t.socket.destroy();
    expect(second.counters.connects).toBe(11);
    for (const tunnel of tunnels) tunnel.socket.destroy();
  } finally {
    stop();
    await proxy.close();
  }
});

test('reload() swaps users too and reports refusals', async () => {
  const proxy = await createForwardProxy({ listen: '127.0.0.1:0', auth: { users: [{ username: 'a', password: 'b' }] } });
  try {
    const refused = proxy.reload({ listen: '127.0.0.1:0', upstreams: [{ url: first.url, weight: 0 }] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_PROXY_CONFIG', field: 'upstreams[0].weight' } });
    expect((await openTunnel(proxy.port, `127.0.0.1:${echo.port}`)).status).toBe(407);
    expect(proxy.reload({ listen: '127.0.0.1:0' })).toEqual({ ok: true });
    const open = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`);
    expect(open.status).toBe(200);
    open.socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('the CLI reloads on SIGHUP and stops on SIGTERM', async () => {
  const file = path.join(dir, 'cli.json');
  fs.writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:0', upstreams: [{ url: first.url }] }));
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (c: Buffer) => (log += c.toString()));
  const exit = proxyCommand.run(['--config', file, '--no-watch'], { stdout: new PassThrough(), stderr });
  await until(() => /"proxy: ready"/.test(log), 'the CLI to be ready');
  const ready = JSON.parse(log.split('\n').find((l) => l.includes('proxy: ready'))!) as { url: string };
  const port = Number(new URL(ready.url).port);
  const before = second.counters.connects;
  fs.writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:0', upstreams: [{ url: second.url }] }));
  // Jest's sandboxed `process` does not receive real signals: emit the event the handler listens to.
  process.emit('SIGHUP', 'SIGHUP');
  await until(() => /configuration reloaded/.test(log), 'the SIGHUP reload');
  const t = await openTunnel(port, `127.0.0.1:${echo.port}`);
  expect(t.status).toBe(200);
  t.socket.destroy();
  expect(second.counters.connects).toBe(before + 1);
  process.emit('SIGTERM', 'SIGTERM');
  expect(await exit).toBe(0);
});
