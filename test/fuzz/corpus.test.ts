/**
 * Replays the fuzz regression corpus (fuzz/corpus/<target>/*) on the backend
 * under test, each input in a child exactly as `npm run fuzz` runs it: no
 * signal, hang, memory blow-up, untyped error or unfaithful capture. Entries
 * fuzz/corpus/known-failing.json lists for this backend are expected to fail
 * (test.failing) until their fix lands; then the entry leaves the manifest.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CORPUS_TARGETS, corpusEntries, readKnownFailing } from '../../fuzz/corpus';
import { encodeHttpInput } from '../../fuzz/http-input';
import { runInputs, type BackendName, type InputResult } from '../../fuzz/runner';
import { loadBackend } from '../../src/backend/index';
import { WarcWriter } from '../../src/warc/write/writer';
import { underSanitizer } from '../helpers/backend-tools';
import { compileFuzzChild } from '../helpers/fuzz-child';
import { exchanges } from '../helpers/warc-records';

const ROOT = path.resolve(__dirname, '..', '..');
const backend = loadBackend().name as BackendName;
const entries = corpusEntries(ROOT);
const known = readKnownFailing(ROOT);
const results = new Map<string, InputResult>();
/** Well-formed inputs through the same child: they must pass, or a child that cannot even start would pass every known failure. */
const controls = new Map<string, InputResult>();
let scratch: string;
let childDir: string;

async function controlInputs(): Promise<{ reader: string; http: string }> {
  const writer = new WarcWriter({ directory: scratch, compression: 'gzip' });
  await writer.write(exchanges(2).flat());
  await writer.close();
  const http = path.join(scratch, 'control.http');
  writeFileSync(http, encodeHttpInput({ close: 'end', writes: [5], bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi') }));
  const warc = readdirSync(scratch).find((n) => n.endsWith('.warc.gz')) as string;
  return { reader: path.join(scratch, warc), http };
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'warcwire-corpus-'));
  const control = await controlInputs();
  // Inside the checkout, so the compiled child finds node_modules.
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  childDir = mkdtempSync(path.join(ROOT, '.tmp', 'fuzz-child-'));
  const options = {
    command: { args: [compileFuzzChild(childDir)] },
    backend,
    hangMs: 30_000,
    // Under ASan the RSS limit would measure ASan's quarantine and redzones (see underSanitizer).
    rssLimitBytes: (underSanitizer ? 4096 : 512) * 2 ** 20,
    scratch,
  };
  for (const target of CORPUS_TARGETS) {
    const mine = entries.filter((e) => e.target === target);
    const ran = await runInputs(target, [{ index: -1, file: control[target] }, ...mine.map((e, index) => ({ index, file: e.path }))], 50, options);
    for (const r of ran) {
      if (r.index < 0) controls.set(target, r);
      else results.set((mine[r.index] as { key: string }).key, r);
    }
  }
}, 240_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(childDir, { recursive: true, force: true });
});

test.each(CORPUS_TARGETS)('control: a well-formed %s input passes through the fuzz child', (target) => {
  expect(controls.get(target)).toEqual(expect.objectContaining({ codes: expect.arrayContaining([expect.stringMatching(/:ok$/)]) }));
  expect(controls.get(target)?.failure).toBeUndefined();
});

test('the known-failing manifest names only entries that exist, with a backend and a symptom', () => {
  const keys = new Set(entries.map((e) => e.key));
  for (const [key, failure] of Object.entries(known)) {
    expect(keys.has(key) ? key : `missing corpus file for ${key}`).toBe(key);
    expect(failure.backends.length).toBeGreaterThan(0);
    expect(failure.symptom).not.toBe('');
  }
});

for (const entry of entries) {
  const failing = known[entry.key]?.backends.includes(backend) ?? false;
  (failing ? test.failing : test)(`${entry.key}${failing ? ` (known: ${known[entry.key]?.symptom})` : ''}`, () => {
    const result = results.get(entry.key);
    expect(result).toBeDefined();
    expect(result?.failure).toBeUndefined();
  });
}
