/**
 * Replays the fuzz regression corpus (fuzz/corpus/<target>/*) on the backend
 * under test, each input in a child exactly as `npm run fuzz` runs it: no
 * signal, hang, memory blow-up, untyped error or unfaithful capture. Entries
 * fuzz/corpus/known-failing.json lists for this backend are expected to fail
 * (test.failing) until their fix lands; then the entry leaves the manifest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CORPUS_TARGETS, corpusEntries, readKnownFailing } from '../../fuzz/corpus';
import { runInputs, type BackendName, type InputResult } from '../../fuzz/runner';
import { loadBackend } from '../../src/backend/index';
import { compileFuzzChild } from '../helpers/fuzz-child';

const ROOT = path.resolve(__dirname, '..', '..');
const backend = loadBackend().name as BackendName;
const entries = corpusEntries(ROOT);
const known = readKnownFailing(ROOT);
const results = new Map<string, InputResult>();
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'warcwire-corpus-'));
  const options = {
    command: { args: [compileFuzzChild(path.join(scratch, 'child'))] },
    backend,
    hangMs: 5000,
    rssLimitBytes: 512 * 2 ** 20,
    scratch,
  };
  for (const target of CORPUS_TARGETS) {
    const mine = entries.filter((e) => e.target === target);
    const ran = await runInputs(target, mine.map((e, index) => ({ index, file: e.path })), 50, options);
    ran.forEach((r) => results.set((mine[r.index] as { key: string }).key, r));
  }
}, 240_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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
