/**
 * What a fuzz run found: every failing input is written under fuzz/out/; each
 * new finding (a signature not in the known-failing manifest) adds up to
 * three of its smallest inputs, of different ingredients, to the regression
 * corpus, after replaying each alone on every backend to learn where it fails.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusEntries, readKnownFailing, saveCorpusEntry, writeKnownFailing, type CorpusTarget, type KnownFailing } from './corpus';
import { signature, type Failure } from './outcome';
import type { BackendName, InputResult } from './runner';

export interface Finding {
  target: CorpusTarget;
  backend: BackendName;
  index: number;
  result: InputResult;
  bytes: Buffer;
  /** How the input was made (seed or template, mutations). */
  from: string;
}

/** Replays one input alone on one backend; its failure, if any. */
export type Replay = (target: CorpusTarget, backend: BackendName, bytes: Buffer) => Promise<Failure | undefined>;

/** Largest reproducer kept in the corpus (bigger ones stay in fuzz/out). */
const CORPUS_MAX_BYTES = 128 * 1024;
const PER_FINDING = 3;

const failureOf = (f: Finding): Failure => f.result.failure as Failure;

export async function recordFindings(root: string, findings: Finding[], options: { seed: number; save: boolean; backends: BackendName[]; replay: Replay }): Promise<void> {
  const out = join(root, 'fuzz', 'out');
  const outName = (f: Finding): string => `${f.target}-${f.backend}-seed${options.seed}-${f.index}`;
  if (findings.length > 0) mkdirSync(out, { recursive: true });
  for (const f of findings) writeFileSync(join(out, outName(f)), f.bytes);

  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.backend}/${f.target}/${signature(failureOf(f))}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const known = readKnownFailing(root);
  const knownKeys = new Set(Object.values(known).flatMap((k) => k.backends.map((b) => `${b}/${k.signature}`)));
  const saved = new Set<string>();
  for (const [key, list] of groups) {
    const shown = list.find((x) => x.result.alone) ?? (list[0] as Finding);
    const alone = shown.result.alone === undefined ? '' : shown.result.alone ? '; reproduced alone' : '; NOT reproduced alone';
    console.log(`FAIL ${key} (${list.length}x${alone})\n  input: fuzz/out/${outName(shown)} (${shown.bytes.length} bytes; ${shown.from})\n  ${failureOf(shown).detail.split('\n').join('\n  ')}`);
    if (!options.save || knownKeys.has(key)) continue;
    // Smallest first, each sharing no ingredient (seed, template mutation) with one already taken.
    const used = new Set<string>();
    let taken = 0;
    const candidates = [...list].sort((a, b) => a.bytes.length - b.bytes.length).filter((f) => {
      const ingredients = (f.from.split(' ')[0] ?? '').split('+');
      if (f.bytes.length > CORPUS_MAX_BYTES || taken >= PER_FINDING || ingredients.some((i) => used.has(i))) return false;
      for (const i of ingredients) used.add(i);
      taken++;
      return true;
    });
    if (candidates.length === 0) console.log(`  not added to the corpus: every input is over ${CORPUS_MAX_BYTES} bytes`);
    for (const f of candidates) {
      const hash = createHash('sha1').update(f.bytes).digest('hex').slice(0, 10);
      if (saved.has(hash)) continue;
      saved.add(hash);
      const failing: Array<[BackendName, Failure]> = [];
      for (const backend of options.backends) {
        const failure = await options.replay(f.target, backend, f.bytes);
        if (failure) failing.push([backend, failure]);
      }
      const first = failing[0];
      if (!first) {
        console.log(`  ${outName(f)} does not fail when replayed alone: not added to the corpus`);
        continue;
      }
      const [, failure] = first;
      const entry = saveCorpusEntry(root, f.target, `${failure.kind}-${failure.step}-${hash}`, f.bytes);
      known[entry] = {
        backends: failing.map(([b]) => b).sort(),
        symptom: `${failure.kind} in ${failure.step}: ${failure.detail.split('\n')[0] ?? ''}`,
        signature: `${f.target}/${signature(failure)}`,
      };
      for (const [b, fl] of failing) knownKeys.add(`${b}/${f.target}/${signature(fl)}`);
      console.log(`  added to the corpus: fuzz/corpus/${entry} (fails on ${known[entry]?.backends.join(', ')})`);
    }
  }
  if (saved.size > 0) writeKnownFailing(root, known);
}

/**
 * Replays every corpus entry alone on each backend and rewrites the manifest
 * to say exactly where each still fails (`npm run fuzz -- --update-known`,
 * e.g. after fixes land: entries that pass everywhere leave the manifest).
 */
export async function refreshKnownFailing(root: string, backends: BackendName[], replay: Replay): Promise<void> {
  const before = readKnownFailing(root);
  const known: KnownFailing = {};
  for (const entry of corpusEntries(root)) {
    const bytes = readFileSync(entry.path);
    const failing: Array<[BackendName, Failure]> = [];
    for (const backend of backends) {
      const failure = await replay(entry.target, backend, bytes);
      if (failure) failing.push([backend, failure]);
    }
    // Backends not replayed this time keep what the manifest said.
    const kept = (before[entry.key]?.backends ?? []).filter((b) => !backends.includes(b));
    const first = failing[0];
    if (!first && kept.length === 0) {
      console.log(`passes: ${entry.key}${before[entry.key] ? ' (left the manifest)' : ''}`);
      continue;
    }
    const [, failure] = first ?? [undefined, undefined];
    known[entry.key] = {
      backends: [...kept, ...failing.map(([b]) => b)].sort(),
      symptom: failure ? `${failure.kind} in ${failure.step}: ${failure.detail.split('\n')[0] ?? ''}` : (before[entry.key]?.symptom ?? ''),
      signature: failure ? `${entry.target}/${signature(failure)}` : (before[entry.key]?.signature ?? ''),
    };
    console.log(`fails on ${known[entry.key]?.backends.join(', ')}: ${entry.key}: ${known[entry.key]?.symptom}`);
  }
  writeKnownFailing(root, known);
}
