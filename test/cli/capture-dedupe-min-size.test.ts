/**
 * `capture --dedupe-min-size`: the dedupe size threshold from the command line.
 * Payloads under it are stored in full even when they repeat; the default is
 * the library's (DEFAULT_SIZE_THRESHOLD).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { DEFAULT_SIZE_THRESHOLD } from '../../src/dedupe';
import { captureIO, expectCaptureUsageErrors } from '../helpers/cli-io';
import { startHttp, type Running } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

const SMALL = 1000;
const LARGE = 3000;

let origin: Running;
let dir: string;

beforeAll(async () => {
  origin = await startHttp((req, res) => res.end((req.url ?? '').startsWith('/small') ? 's'.repeat(SMALL) : 'L'.repeat(LARGE)));
});
afterAll(() => origin.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-dedupe-min-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Captures two repeats of a small and of a large payload; the paths that became revisits. */
async function revisitsWith(flags: string[]): Promise<string[]> {
  const t = captureIO();
  const urls = ['/small-a', '/small-b', '/large-a', '/large-b'].map((p) => `${origin.url}${p}`);
  const code = await main(['capture', ...urls, '-o', dir, '--concurrency', '1', '--dedupe', 'local', ...flags], t.io);
  expect(t.err()).toBe('');
  expect(code).toBe(0);
  const revisits: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz'))) {
    for (const r of (await readAll(join(dir, f))).records) {
      if (r.type === 'revisit') revisits.push(new URL(r.headers.find(([n]) => n === 'WARC-Target-URI')![1]).pathname);
    }
  }
  return revisits.sort();
}

test('the default threshold lies between the two payload sizes', () => {
  expect(SMALL < DEFAULT_SIZE_THRESHOLD && DEFAULT_SIZE_THRESHOLD <= LARGE).toBe(true);
});

test.each([
  [[], ['/large-b']],
  [['--dedupe-min-size', '512'], ['/large-b', '/small-b']],
  [['--dedupe-min-size', '0'], ['/large-b', '/small-b']],
  [['--dedupe-min-size', '4K'], []],
  [['--dedupe-min-size', String(LARGE)], ['/large-b']],
  [['--dedupe-min-size', String(LARGE + 1)], []],
])('capture --dedupe local %j: revisits %j', async (flags, expected) => {
  expect(await revisitsWith(flags)).toEqual(expected);
});

test('bad --dedupe-min-size values: a clear message, usage and exit 2, nothing written', async () => {
  const url = `${origin.url}/small-a`;
  const cases: Array<[string[], RegExp]> = [
    [['--dedupe', 'local', '--dedupe-min-size', 'lots'], /--dedupe-min-size must be a size such as 512 or 4K, got "lots"/],
    [['--dedupe', 'local', '--dedupe-min-size=-1'], /--dedupe-min-size must be a size such as 512 or 4K, got "-1"/],
    [['--dedupe', 'local', '--dedupe-min-size', ''], /--dedupe-min-size must be a size/],
    [['--dedupe-min-size', '4K'], /--dedupe-min-size needs --dedupe/],
  ];
  await expectCaptureUsageErrors(url, dir, cases);
  expect(readdirSync(dir).filter((f) => f.includes('.warc'))).toEqual([]);
});
