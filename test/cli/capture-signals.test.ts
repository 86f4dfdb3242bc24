/**
 * `warcwire capture` in a real child process, interrupted while a slow server
 * is still sending: the first signal lets the run close its files and print
 * its summary (exit 130/143), a second one exits at once leaving *.open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { WarcReader } from '../../src/warc/read/reader';
import { captureIO } from '../helpers/cli-io';
import { startHttp, type Running } from '../helpers/client-servers';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'warc-ts-register.js');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

interface Run {
  child: ChildProcess;
  out(): string;
  err(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCapture(args: string[]): Run {
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN, 'capture', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exit };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A fresh output directory and slow server: /fast answers at once; /slow sends its head and 1000 bytes, then nothing. */
async function scene(): Promise<{ dir: string; server: Running; slowStarted(): number; hits: string[]; warcs(): string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-signal-'));
  const open = new Set<ServerResponse>();
  let slow = 0;
  /** Request paths in arrival order. */
  const hits: string[] = [];
  const server = await startHttp((req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/fast')) return void res.end('fast page');
    slow++;
    open.add(res);
    res.writeHead(200, { 'content-length': '100000' });
    res.write('s'.repeat(1000));
  });
  return {
    dir,
    server,
    slowStarted: () => slow,
    hits,
    warcs: () => readdirSync(dir).filter((f) => f.includes('.warc')),
    async close() {
      for (const r of open) r.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function firstSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', status: number, json = false): Promise<void> {
  const s = await scene();
  try {
    const urls = [`${s.server.url}/fast`, `${s.server.url}/slow/1`, `${s.server.url}/slow/2`, `${s.server.url}/fast/never-started`];
    // Two workers: one does /fast then /slow/2, the other /slow/1; the last URL waits for a free worker.
    const run = runCapture([...urls, '-o', s.dir, '--concurrency', '2', '--shutdown-grace', '0.3', ...(json ? ['--json'] : [])]);
    await until('both slow requests to be running', () => s.slowStarted() === 2 && s.warcs().length > 0);
    run.child.kill(signal);
    const { code } = await run.exit;
    expect(run.err()).toContain(`${signal}: no new URLs`);
    expect(code).toBe(status);
    expect(s.warcs().filter((f) => f.endsWith('.open'))).toEqual([]);
    if (json) {
      expect(JSON.parse(run.out())).toMatchObject({ requests: 3, ok: 1, failed: 2, notStarted: 1, records: 6, truncated: 2, stopped: { reason: signal }, exitCode: status });
    } else {
      expect(run.out()).toMatch(/requests: 3 \(1 ok, 2 failed\), 1 URLs not started \(interrupted\)/);
      expect(run.out()).toMatch(/records: 6 \(3 pairs, 2 truncated\)/);
    }
    expect(run.err()).toMatch(/slow\/1: the request was cut short because the client shut down \[ERR_ABORTED\]/);
    // Read back: the two slow responses are there, marked truncated; the unstarted URL is not.
    const truncated: string[] = [];
    const uris: string[] = [];
    for await (const r of new WarcReader(join(s.dir, s.warcs()[0]!))) {
      const get = (n: string): string | undefined => r.headers.find(([k]) => k.toLowerCase() === n)?.[1];
      if (r.type === 'response') {
        uris.push(get('warc-target-uri')!);
        if (get('warc-truncated') !== undefined) truncated.push(get('warc-target-uri')!);
      }
      await r.finish();
    }
    expect(uris.sort()).toEqual([urls[0], urls[1], urls[2]]);
    expect(truncated.sort()).toEqual([urls[1], urls[2]]);
  } finally {
    await s.close();
  }
}

// Both signals side by side: each child spends most of its time compiling the sources.
test('first SIGINT / SIGTERM: no new URLs, in-flight cut short after the grace and recorded truncated, files closed, summary, exit 130 / 143', async () => {
  await Promise.all([firstSignal('SIGINT', 130), firstSignal('SIGTERM', 143)]);
}, 30_000);

// A hangup (the terminal or ssh session went away) killed the run at once: in-flight lost, files left *.open.
test('SIGHUP stops like SIGTERM: in-flight recorded truncated, files closed, --json names it, exit 129', async () => {
  await firstSignal('SIGHUP', 129, true);
}, 30_000);

test('a second signal exits at once, leaving the file *.open and pointing at `warcwire mend`', async () => {
  const s = await scene();
  const { dir, server, slowStarted, warcs } = s;
  try {
    const run = runCapture([`${server.url}/fast`, `${server.url}/slow/1`, '-o', dir, '--concurrency', '2', '--shutdown-grace', '60']);
    await until('the slow request to be running and a file open', () => slowStarted() === 1 && warcs().some((f) => f.endsWith('.open')));
    run.child.kill('SIGINT');
    await until('the first signal to be taken', () => run.err().includes('SIGINT: no new URLs'));
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(code).toBe(130);
    expect(run.err()).toMatch(/SIGINT again: exiting now.*warcwire mend/);
    expect(warcs().some((f) => f.endsWith('.open'))).toBe(true);
    expect(run.out()).not.toMatch(/requests:/);
    // The hint is true: the command it names finishes the files.
    const hinted = /`warcwire (mend [^`]+)`/.exec(run.err())![1]!.split(' ');
    const mend = captureIO();
    expect(await main([...hinted, '--yes'], mend.io)).toBe(0);
    expect(mend.out()).toMatch(/^(rename|truncate) /m);
    expect(warcs().filter((f) => f.endsWith('.open'))).toEqual([]);
    expect(warcs().length).toBeGreaterThan(0);
  } finally {
    await s.close();
  }
}, 30_000);

test('--left after SIGINT lists the URL cut short and those not started; --input of it fetches exactly those', async () => {
  const s = await scene();
  try {
    const left = join(s.dir, 'left.txt');
    const urls = ['/fast/1', '/slow/1', '/fast/2', '/fast/3'].map((p) => `${s.server.url}${p}`);
    const run = runCapture([...urls, '-o', s.dir, '--concurrency', '1', '--shutdown-grace', '0.2', '--left', left]);
    await until('the slow request to be running', () => s.slowStarted() === 1);
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(130);
    expect(run.err()).toContain(`left: 3 URLs (failed or not started) in ${left}`);
    const listed = (): string[] => readFileSync(left, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(listed()).toEqual(urls.slice(1));

    s.hits.length = 0;
    const resumed = captureIO();
    // The slow URL stalls again: --timeout fails it, so it stays left.
    expect(await main(['capture', '--input', left, '-o', s.dir, '--concurrency', '1', '--timeout', '0.3', '--left', left], resumed.io)).toBe(1);
    expect(s.hits).toEqual(['/slow/1', '/fast/2', '/fast/3']);
    expect(listed()).toEqual([urls[1]]);
  } finally {
    await s.close();
  }
}, 30_000);
