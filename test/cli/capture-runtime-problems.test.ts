/**
 * Problems `warcwire capture` meets while running, as opposed to usage
 * mistakes: a metrics port already taken (one line, exit 1, no usage text) and
 * an unreachable Redis dedupe table (one warning line, the capture goes on with
 * full records, and the process exits: no Redis connection left open).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import capture from '../../src/cli/commands/capture';
import { captureIO } from '../helpers/cli-io';
import { startHttp } from '../helpers/client-servers';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'warc-ts-register.js');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-capture-problems-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('--metrics-port on a port in use: one clear line, no usage text, exit 1, nothing fetched', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  let hits = 0;
  const server = await startHttp((_req, res) => {
    hits++;
    res.end('page');
  });
  try {
    const t = captureIO();
    const code = await capture.run([`${server.url}/a`, '-o', dir, '--metrics-port', String(port)], t.io);
    expect(code).toBe(1);
    expect(t.err()).toBe(`warcwire capture: cannot serve metrics on 127.0.0.1:${port}: address in use\n`);
    expect(t.err()).not.toMatch(/Usage|ERR_/);
    expect(hits).toBe(0);
  } finally {
    await server.close();
    await new Promise((resolve) => taken.close(resolve));
  }
});

test('--dedupe redis:// with Redis unreachable: one warning line, full records stored, the process exits', async () => {
  const body = 'x'.repeat(5000); // over the dedupe size threshold, so Redis is asked
  const server = await startHttp((_req, res) => res.end(body));
  try {
    const child = spawn(process.execPath, ['-r', REGISTER, MAIN, 'capture', `${server.url}/a`, `${server.url}/b`, `${server.url}/c`, '-o', dir, '--concurrency', '1', '--dedupe', 'redis://127.0.0.1:1/0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 25_000).unref());
    const result = await Promise.race([exited, hung]);
    if (result === 'hung') child.kill('SIGKILL');
    expect({ result, err }).toEqual({ result: 0, err: expect.any(String) });
    const warnings = err.split('\n').filter((line) => /dedupe degraded/.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: dedupe degraded at start: .*redis.*full records will be stored/);
    expect(out).toMatch(/dedupe: 0 revisits.* 3 lookup errors/);
    expect(readdirSync(dir).some((f) => f.endsWith('.warc.gz'))).toBe(true);
  } finally {
    await server.close();
  }
}, 40_000);
