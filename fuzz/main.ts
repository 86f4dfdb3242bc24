/**
 * `npm run fuzz [-- options]`: seeded mutation fuzzing of the readers (WarcReader,
 * check, index, mend's scan) and of the capturing client (WarcClient against a
 * raw TCP server), on both backends, each input in a child process. Failures
 * are saved under fuzz/out/; the first input of each new finding also goes to
 * the regression corpus (fuzz/corpus/) and its known-failing manifest.
 * Options: --seed N, --long, --reader-inputs N, --http-inputs N (totals across
 * backends), --backends native,js, --jobs N, --hang-ms N, --rss-mib N, --no-save;
 * --update-known replays the corpus and rewrites its known-failing manifest.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { linkNativeBuild, repoRoot } from '../scripts/compiled-tree';
import { getBackend } from '../src/backend/index';
import type { Backend } from '../src/backend/types';
import type { Job } from './child';
import type { CorpusTarget } from './corpus';
import { recordFindings, refreshKnownFailing, type Finding, type Replay } from './findings';
import { httpTemplates } from './http-input';
import { httpInput, readerInput, type MadeInput } from './inputs';
import { fixtureDictionary, fixtureSeeds, fixturesDir, writerSeeds, zstdSeeds } from './reader-seeds';
import { runInputs, type BackendName, type RunnerOptions } from './runner';

interface Settings {
  seed: number;
  readerInputs: number;
  httpInputs: number;
  backends: BackendName[];
  jobs: number;
  hangMs: number;
  rssMiB: number;
  save: boolean;
  updateKnown: boolean;
}

/** Inputs per child, and per unit of work handed to a worker. */
const BATCH = { reader: 200, http: 100 } as const;
const UNIT = 400;
/** Inputs slower than this are listed (slow is not a failure; past --hang-ms it is). */
const SLOW_MS = 300;

function parseArgs(argv: string[]): Settings {
  const long = argv.includes('--long');
  const value = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    if (at < 0) return fallback;
    const n = Number(argv[at + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a whole number, got ${JSON.stringify(argv[at + 1])}`);
    return n;
  };
  const backendsAt = argv.indexOf('--backends');
  const backends = (backendsAt >= 0 ? (argv[backendsAt + 1] ?? '') : 'native,js').split(',') as BackendName[];
  if (backends.some((b) => b !== 'native' && b !== 'js')) throw new Error('--backends takes native, js or native,js');
  return {
    seed: value('--seed', 1),
    readerInputs: value('--reader-inputs', long ? 300_000 : 2000),
    httpInputs: value('--http-inputs', long ? 10_000 : 600),
    backends,
    jobs: value('--jobs', Math.min(2, availableParallelism())),
    hangMs: value('--hang-ms', 30_000),
    rssMiB: value('--rss-mib', 512),
    save: !argv.includes('--no-save'),
    updateKnown: argv.includes('--update-known'),
  };
}

interface Unit {
  target: CorpusTarget;
  backend: BackendName;
  first: number;
  count: number;
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const root = repoRoot(__dirname, 'dist-fuzz');
  const compiledRoot = resolve(__dirname, '..');
  linkNativeBuild(root, compiledRoot);
  const started = Date.now();

  // A backend that cannot load would turn every input into the same typed error: refuse instead.
  const backends = settings.backends.map((name) => getBackend(name));
  const fixtures = fixturesDir(root);
  const fromFixtures = fixtureSeeds(fixtures);
  if (fromFixtures.length === 0) console.log(`fuzz: no conformance fixtures at ${fixtures} (set WARCWIRE_FIXTURES): fixture seeds skipped`);
  const written = await writerSeeds(backends.find((b) => b.name === 'native') ?? (backends[0] as Backend), fixtureDictionary(fixtures));
  for (const note of written.notes) console.log(`fuzz: ${note}`);
  const seeds = [...fromFixtures, ...written.seeds, ...zstdSeeds()];
  const templates = httpTemplates();
  const make = (target: CorpusTarget, index: number): MadeInput => (target === 'reader' ? readerInput(seeds, settings.seed, index) : httpInput(templates, settings.seed, index));
  console.log(`fuzz: seed ${settings.seed}, ${seeds.length} reader seeds, ${templates.length} HTTP templates, backends ${settings.backends.join(',')}, ${settings.jobs} jobs`);

  const units: Unit[] = [];
  for (const [target, total] of [['reader', settings.readerInputs], ['http', settings.httpInputs]] as const) {
    const perBackend = Math.ceil(total / settings.backends.length);
    for (let first = 0; first < perBackend; first += UNIT) {
      for (const backend of settings.backends) units.push({ target, backend, first, count: Math.min(UNIT, perBackend - first) });
    }
  }

  const runnerOptions = (backend: BackendName, scratch: string): RunnerOptions => ({
    command: { args: [join(__dirname, 'child.js')] },
    backend,
    hangMs: settings.hangMs,
    rssLimitBytes: settings.rssMiB * 2 ** 20,
    scratch,
  });
  const scratchRoot = mkdtempSync(join(tmpdir(), 'warcwire-fuzz-'));
  let unitSerial = 0;
  const replay: Replay = async (target, backend, bytes) => {
    const scratch = join(scratchRoot, `replay-${unitSerial++}`);
    mkdirSync(scratch);
    const file = join(scratch, 'input');
    writeFileSync(file, bytes);
    const [result] = await runInputs(target, [{ index: 0, file }], 1, runnerOptions(backend, scratch));
    return result?.failure;
  };
  if (settings.updateKnown) {
    await refreshKnownFailing(root, settings.backends, replay);
    rmSync(scratchRoot, { recursive: true, force: true });
    return;
  }
  const seen = new Set<string>();
  const findings: Finding[] = [];
  const totals = new Map<string, { inputs: number; failures: number; ms: number; outcomes: Map<string, number>; slowest: Array<{ index: number; ms: number; from: string }> }>();
  const worker = async (): Promise<void> => {
    for (let unit = units.shift(); unit; unit = units.shift()) {
      const scratch = join(scratchRoot, `unit-${unitSerial++}`);
      mkdirSync(scratch);
      const made = new Map<number, MadeInput>();
      const inputs: Job['inputs'] = [];
      for (let index = unit.first; index < unit.first + unit.count; index++) {
        const input = make(unit.target, index);
        made.set(index, input);
        const file = join(scratch, `${index}.in`);
        writeFileSync(file, input.bytes);
        inputs.push({ index, file });
      }
      const t0 = Date.now();
      const results = await runInputs(unit.target, inputs, BATCH[unit.target], runnerOptions(unit.backend, scratch), seen);
      const key = `${unit.target}/${unit.backend}`;
      const total = totals.get(key) ?? { inputs: 0, failures: 0, ms: 0, outcomes: new Map<string, number>(), slowest: [] };
      total.inputs += results.length;
      total.ms += Date.now() - t0;
      for (const r of results) {
        for (const code of r.codes) if (!code.endsWith(':ok')) total.outcomes.set(code, (total.outcomes.get(code) ?? 0) + 1);
        if (!r.failure && (r.ms ?? 0) > SLOW_MS) total.slowest = [...total.slowest, { index: r.index, ms: r.ms ?? 0, from: made.get(r.index)?.from ?? '' }].sort((a, b) => b.ms - a.ms).slice(0, 3);
        if (!r.failure) continue;
        total.failures++;
        const input = made.get(r.index) as MadeInput;
        findings.push({ target: unit.target, backend: unit.backend, index: r.index, result: r, ...input });
      }
      totals.set(key, total);
      rmSync(scratch, { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: settings.jobs }, worker));

  await recordFindings(root, findings, { seed: settings.seed, save: settings.save, backends: settings.backends, replay });
  rmSync(scratchRoot, { recursive: true, force: true });

  console.log('');
  let inputs = 0;
  let failures = 0;
  for (const [key, t] of [...totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    inputs += t.inputs;
    failures += t.failures;
    const typed = [...t.outcomes].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c} ${n}`).join(', ');
    console.log(`${key}: ${t.inputs} inputs in ${(t.ms / 1000).toFixed(1)} s worker time (${(t.inputs / (t.ms / 1000)).toFixed(0)}/s), ${t.failures} failures; typed errors: ${typed || 'none'}`);
    for (const slow of t.slowest) console.log(`  slow (under the watchdog): input ${slow.index} took ${slow.ms} ms (${slow.from})`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz: ${inputs} inputs, ${failures} failures (${seconds.toFixed(1)} s, ${(inputs / seconds).toFixed(0)} inputs/s, seed ${settings.seed})`);
  process.exitCode = failures > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
