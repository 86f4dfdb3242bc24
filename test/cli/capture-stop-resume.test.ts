/**
 * `warcwire capture` when writing fails or a run is cut off: a full disk stops it
 * promptly and the summary names the files as they are on disk; an output directory
 * that cannot be written is refused before any fetch; `--left` lists what is left so
 * that `--input` resumes exactly the rest; `--json` prints the summary as JSON.
 * Full and read-only directories are real tmpfs mounts (needs root, which CI has).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import capture from '../../src/cli/commands/capture';
import type { CaptureSummary } from '../../src/cli/capture/capture-report';
import { checkFile } from '../../src/warc/tools/check';
import { WarcReader } from '../../src/warc/read/reader';
import { captureIO } from '../helpers/cli-io';
import { startHttp, type Running } from '../helpers/client-servers';
import { seededBytes } from '../helpers/warc-records';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'warc-ts-register.js');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

/** `warcwire capture ARGS` in a child node with `env` added. */
function captureChild(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', REGISTER, MAIN, 'capture', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const rootOnly = isRoot ? test : test.skip;

let root: string;
let server: Running;
/** Request paths in arrival order. */
let hits: string[] = [];
/** /flaky/* destroy the socket on their first request and answer afterwards. */
const flakySeen = new Set<string>();
beforeAll(async () => {
  server = await startHttp((req, res) => {
    const url = req.url ?? '';
    hits.push(url);
    if (url.startsWith('/big/')) return void res.end(seededBytes(hits.length, 200 * 1024, false));
    if (url.startsWith('/huge/')) return void res.end(seededBytes(hits.length, 12 * 1024 * 1024, false));
    if (url.startsWith('/flaky/') && !flakySeen.has(url)) {
      flakySeen.add(url);
      return void req.socket.destroy();
    }
    res.end(`page ${url}`);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-stop-resume-'));
  hits = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function mountTmpfs(dir: string, options: string): () => void {
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  return () => {
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  };
}

rootOnly('a full disk stops the capture promptly with exit 1; the summary names the files as they are on disk', async () => {
  const out = join(root, 'full');
  const unmount = mountTmpfs(out, 'size=1m,mode=0700');
  try {
    const urls = Array.from({ length: 30 }, (_, i) => `${server.url}/big/${i}`);
    const t = captureIO();
    const code = await capture.run([...urls, '-o', out, '--compression', 'none', '--concurrency', '2'], t.io);
    expect(code).toBe(1);
    expect(t.err()).toMatch(/stopping: .*no space left.*no new URL is started/i);
    // About 5 responses of 200 KiB fit in 1 MiB; the run stops right after the one that did not.
    expect(hits.length).toBeLessThanOrEqual(9);
    const listed = /files: (\d+)\n((?: {2}\S+\n)*)/.exec(t.out());
    expect(listed).not.toBeNull();
    const named = listed![2]!.trim().split('\n').map((l) => l.trim());
    expect(named.map((p) => [p, existsSync(p)])).toEqual(named.map((p) => [p, true]));
    expect(named.map((p) => p.slice(out.length + 1)).sort()).toEqual(readdirSync(out).sort());
    expect(named.some((p) => p.endsWith('.warc.open'))).toBe(true);
    // Pairs land whole: no request record without its response in any file.
    for (const path of named) {
      const types = new Map<string, string>();
      const partners: Array<[string, string]> = [];
      for await (const r of new WarcReader(path)) {
        types.set(r.id, r.type);
        if (r.type === 'request') partners.push([r.id, r.get('WARC-Concurrent-To') as string]);
        await r.finish();
      }
      expect(partners.map(([id, partner]) => [id, types.get(partner)])).toEqual(partners.map(([id]) => [id, 'response']));
      // Cut back to whole records: nothing half-written for check (or mend) to find.
      expect({ path, errors: (await checkFile(path)).errors }).toEqual({ path, errors: [] });
    }
  } finally {
    unmount();
  }
});

rootOnly('--json on a full disk: stopped by a write error, files as on disk, exit 1', async () => {
  const out = join(root, 'full-json');
  const unmount = mountTmpfs(out, 'size=1m,mode=0700');
  try {
    const urls = Array.from({ length: 30 }, (_, i) => `${server.url}/big/${i}`);
    const t = captureIO();
    expect(await capture.run([...urls, '-o', out, '--compression', 'none', '--concurrency', '1', '--json'], t.io)).toBe(1);
    const summary = JSON.parse(t.out()) as CaptureSummary;
    expect(summary).toMatchObject({ exitCode: 1, stopped: { reason: 'write-error', message: expect.stringMatching(/no space left/) } });
    expect(summary.notStarted).toBeGreaterThan(20);
    expect(summary.files.map((p) => p.slice(out.length + 1)).sort()).toEqual(readdirSync(out).sort());
  } finally {
    unmount();
  }
});

rootOnly('a full spool directory (TMPDIR): that URL fails with ERR_SPOOL_IO, the crawl goes on to the end, exit 1', async () => {
  const spool = join(root, 'spool');
  const unmount = mountTmpfs(spool, 'size=1m,mode=0700');
  try {
    // A 12 MiB body passes the 8 MiB spool memory limit and moves to a temp file in TMPDIR.
    const urls = ['/a', '/huge/1', '/b', '/c'].map((p) => `${server.url}${p}`);
    const run = await captureChild([...urls, '-o', join(root, 'warcs'), '--concurrency', '1', '--json'], { TMPDIR: spool });
    expect({ code: run.code, err: run.err }).toMatchObject({ code: 1, err: expect.stringMatching(/huge\/1: .*ERR_SPOOL_IO/) });
    expect(JSON.parse(run.out)).toMatchObject({ requests: 4, ok: 3, failed: 1, pairs: 3, stopped: null, exitCode: 1 });
    expect(hits).toEqual(['/a', '/huge/1', '/b', '/c']);
  } finally {
    unmount();
  }
}, 30_000);

rootOnly('an output directory (or --left FILE) that cannot be written: exit 2 before any fetch', async () => {
  const out = join(root, 'read-only');
  const unmount = mountTmpfs(out, 'ro,size=64k');
  try {
    const t = captureIO();
    const code = await capture.run([`${server.url}/one`, `${server.url}/two`, '-o', out], t.io);
    expect(code).toBe(2);
    expect(t.err()).toMatch(/-o ".*read-only": cannot write in the output directory \(.*read-only file system.*\); nothing fetched/i);
    expect(hits).toEqual([]);
    const leftThere = captureIO();
    expect(await capture.run([`${server.url}/one`, '-o', join(root, 'warcs'), '--left', join(out, 'left.txt')], leftThere.io)).toBe(2);
    expect(leftThere.err()).toMatch(/--left ".*left\.txt": cannot write it \(.*read-only file system.*\); nothing fetched/i);
    expect(hits).toEqual([]);
  } finally {
    unmount();
  }
});

test('--left lists the failed URLs; --input of it fetches exactly those; --json summary', async () => {
  const out = join(root, 'warcs');
  const left = join(root, 'left.txt');
  const urls = ['/a', '/flaky/1', '/b', '/flaky/2', '/c'].map((p) => `${server.url}${p}`);
  const first = captureIO();
  expect(await capture.run([...urls, '-o', out, '--concurrency', '1', '--left', left, '--json'], first.io)).toBe(1);
  const summary = JSON.parse(first.out()) as CaptureSummary;
  expect(summary).toMatchObject({ requests: 5, ok: 3, failed: 2, notStarted: 0, pairs: 3, records: 6, stopped: null, left: { file: left, urls: 2 }, exitCode: 1, dedupe: null });
  expect(summary.failures.map((f) => f.url)).toEqual([urls[1], urls[3]]);
  expect(summary.files).toHaveLength(1);
  expect(summary.files[0]).toMatch(/\.warc\.gz$/);
  expect(readFileSync(left, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([urls[1], urls[3]]);

  hits = [];
  const second = captureIO();
  expect(await capture.run(['--input', left, '-o', out, '--left', left], second.io)).toBe(0);
  expect(hits).toEqual(['/flaky/1', '/flaky/2']);
  expect(second.out()).toMatch(/requests: 2 \(2 ok, 0 failed\)/);
  expect(readFileSync(left, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([]);
  const written: string[] = [];
  for (const f of readdirSync(out))
    for await (const r of new WarcReader(join(out, f))) {
      if (r.type === 'response') written.push(r.get('WARC-Target-URI') as string);
      await r.finish();
    }
  expect(written.sort()).toEqual([...urls].sort());
});
