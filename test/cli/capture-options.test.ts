/** `warcwire capture` as a crawler engineer uses it: inputs, setup errors, crawler flags, progress and summary. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as zlib from 'node:zlib';
import { progressReporter } from '../../src/cli/capture/capture-report';
import capture from '../../src/cli/commands/capture';
import demo from '../../src/cli/commands/demo';
import { captureIO } from '../helpers/cli-io';
import { startHttp, startHttps, type Running } from '../helpers/client-servers';
import { backend, expectZstdMissingByDesign } from '../helpers/warc-backend';

const ROOT = join(__dirname, '..', '..');
let dir: string;
let server: Running;
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = await startHttp((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/stall-head') return; // never answers
    if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-length': '10' });
      return void res.write('12345');
    }
    if (req.url?.startsWith('/big')) return void res.end('x'.repeat(5000));
    res.end(`page ${req.url}`);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-cliopt-'));
  seen.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const warcs = (): string[] => readdirSync(dir).filter((f) => f.includes('.warc'));

describe('bad setup: exit 2 with a clear message, nothing fetched', () => {
  test('-i of a missing file', async () => {
    const t = captureIO();
    expect(await capture.run(['-i', join(dir, 'nonexistent'), '-o', dir], t.io)).toBe(2);
    expect(t.err()).toMatch(/cannot read --input ".*nonexistent": ENOENT/);
  });

  test('-o naming a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const t = captureIO();
    expect(await capture.run([`${server.url}/one`, '-o', file], t.io)).toBe(2);
    expect(t.err()).toMatch(/-o ".*a-file": a file is in the way, not a directory/);
    expect(seen).toEqual([]);
  });

  test('every bad line of the URL list is named, and nothing is fetched', async () => {
    const list = join(dir, 'urls.txt');
    writeFileSync(list, `${server.url}/ok\nnot a url\n# comment\nftp://example.test/file\n${server.url}/ok2#frag\n`);
    const t = captureIO();
    expect(await capture.run(['-i', list, '-o', dir], t.io)).toBe(2);
    expect(t.err()).toMatch(/urls\.txt line 2: not a URL: "not a url"/);
    expect(t.err()).toMatch(/urls\.txt line 4: only http and https URLs can be captured, got ftp:/);
    expect(seen).toEqual([]);
    expect(warcs()).toEqual([]);
  });

  test('--compression zstd: exit 2 before fetching on a backend without zstd; captures otherwise', async () => {
    const t = captureIO();
    const code = await capture.run([`${server.url}/z`, '-o', dir, '--compression', 'zstd'], t.io);
    if (backend.name === 'js' && !('zstdCompress' in zlib)) {
      expectZstdMissingByDesign();
      expect(code).toBe(2);
      expect(t.err()).toMatch(/ERR_ZSTD_UNAVAILABLE/);
      expect(seen).toEqual([]);
      expect(warcs()).toEqual([]);
    } else {
      expect(code).toBe(0);
      expect(warcs().filter((f) => f.endsWith('.warc.zst'))).toHaveLength(1);
    }
  });

  test('demo --compression zstd: exit 2 before fetching on a backend without zstd', async () => {
    if (!(backend.name === 'js' && !('zstdCompress' in zlib))) return; // the full demo on zstd runs in cli.test.ts's way elsewhere
    expectZstdMissingByDesign();
    const t = captureIO();
    expect(await demo.run(['-o', dir, '--compression', 'zstd'], t.io)).toBe(2);
    expect(t.err()).toMatch(/warcwire demo: .*ERR_ZSTD_UNAVAILABLE/);
    expect(readdirSync(dir)).toEqual([]);
  });

  test.each([
    ['--max-file-size', 'lots'],
    ['--max-response-size', '0'],
    ['--timeout', '-1'],
    ['--idle-timeout', '0'],
    ['--header', 'no colon'],
  ])('%s %j is a usage error', async (flag, value) => {
    await expect(capture.run([`${server.url}/x`, '-o', dir, `${flag}=${value}`], captureIO().io)).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining(flag) });
    expect(seen).toEqual([]);
  });

  test('--level out of the compressor\'s range: exit 2 naming --level before fetching; in range it writes', async () => {
    const bad = captureIO();
    expect(await capture.run([`${server.url}/x`, '-o', dir, '--level', '10'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/--level must be an integer 0-9 for gzip, got 10/);
    expect(seen).toEqual([]);
    expect(await capture.run([`${server.url}/x`, '-o', dir, '--level', '1'], captureIO().io)).toBe(0);
    expect(seen).toHaveLength(1);
  });
});

test('-i - reads the URL list from stdin', async () => {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'helpers', 'warc-ts-register.js'), join(ROOT, 'src', 'cli', 'main.ts'), 'capture', '-i', '-', '-o', dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(`${server.url}/from-stdin/1\n${server.url}/from-stdin/2\n`);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code).toBe(0);
  expect(out).toMatch(/requests: 2 \(2 ok, 0 failed\)/);
  expect(seen.map((s) => s.url).sort()).toEqual(['/from-stdin/1', '/from-stdin/2']);
}, 20_000);

test('--user-agent and --header are sent (and recorded); without them the default User-Agent is', async () => {
  const t = captureIO();
  expect(await capture.run([`${server.url}/ua`, '-o', dir, '--user-agent', 'TestBot/1.0 (+mailto:ops@example.test)', '--header', 'Accept-Language: de', '--header', 'X-Crawl: 7'], t.io)).toBe(0);
  expect(seen[0]!.headers).toMatchObject({ 'user-agent': 'TestBot/1.0 (+mailto:ops@example.test)', 'accept-language': 'de', 'x-crawl': '7' });
  expect(await capture.run([`${server.url}/ua2`, '-o', dir], captureIO().io)).toBe(0);
  expect(seen[1]!.headers['user-agent']).toMatch(/^warcwire\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/warcwire\/warcwire\)$/);
});

test('timeouts: failures name the CLI flag that sets the limit', async () => {
  const t = captureIO();
  const code = await capture.run([`${server.url}/stall-head`, `${server.url}/stall-body`, '-o', dir, '--response-timeout', '0.3', '--idle-timeout', '0.3'], t.io);
  expect(code).toBe(1);
  expect(t.err()).toMatch(/stall-head: .*--response-timeout/);
  expect(t.err()).toMatch(/stall-body: .*--idle-timeout/);
  expect(t.err()).not.toMatch(/timeouts\./);
  const whole = captureIO();
  expect(await capture.run([`${server.url}/stall-body`, '-o', dir, '--timeout', '0.3'], whole.io)).toBe(1);
  expect(whole.err()).toMatch(/stall-body: the request did not finish within 300 ms \(--timeout\)/);
}, 15_000);

test('a self-signed site fails naming --insecure; with --insecure it is captured', async () => {
  const https = await startHttps((_req, res) => res.end('tls page'));
  try {
    const t = captureIO();
    expect(await capture.run([`${https.url}/`, '-o', dir], t.io)).toBe(1);
    expect(t.err()).toMatch(/ERR_TLS_HANDSHAKE/);
    expect(t.err()).toMatch(/use --insecure/);
    expect(t.err()).not.toMatch(/tls\.verify/);
    expect(await capture.run([`${https.url}/`, '-o', dir, '--insecure'], captureIO().io)).toBe(0);
  } finally {
    await https.close();
  }
});

test('--max-file-size rotates files; --max-response-size truncates; the summary says what each byte count is', async () => {
  const t = captureIO();
  const urls = Array.from({ length: 6 }, (_, i) => `${server.url}/big?${i}`);
  // Each pair is ~5 KiB uncompressed but compresses well; --compression none makes sizes predictable.
  expect(await capture.run([...urls, '-o', dir, '--compression', 'none', '--max-file-size', '12K', '--concurrency', '1'], t.io)).toBe(0);
  expect(warcs().length).toBeGreaterThanOrEqual(3);
  expect(t.out()).toMatch(/bodies received: 29\.3 KiB \(as the caller sees them, decoded\)/);
  expect(t.out()).toMatch(/recorded in WARC blocks: [\d.]+ KiB \(raw HTTP requests and responses, before WARC compression\)/);

  const cap = captureIO();
  expect(await capture.run([`${server.url}/big`, '-o', join(dir, 'cap'), '--max-response-size', '1K'], cap.io)).toBe(0);
  expect(cap.out()).toMatch(/records: 2 \(1 pairs, 1 truncated\)/);
});

test('progress off a terminal: a line only when something changed', async () => {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  const reporter = progressReporter(stderr, 20);
  reporter.update({ done: 1, total: 3, failed: 0, bytes: 10 });
  await new Promise((r) => setTimeout(r, 250)); // ~12 ticks, one change
  reporter.update({ done: 2, total: 3, failed: 1, bytes: 20 });
  await new Promise((r) => setTimeout(r, 250));
  reporter.end();
  expect(text.split('\n').filter((l) => l !== '')).toEqual([
    'progress: 1/3 done, 0 failed, 10 B of bodies received',
    'progress: 2/3 done, 1 failed, 20 B of bodies received',
  ]);
});
