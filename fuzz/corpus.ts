/**
 * The regression corpus: fuzz/corpus/<target>/<name>, replayed by
 * test/fuzz/corpus.test.ts. known-failing.json lists the entries today's code
 * still fails, per backend, with the symptom; the test expects those to fail.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from './runner';

export const CORPUS_TARGETS = ['reader', 'http'] as const;
export type CorpusTarget = (typeof CORPUS_TARGETS)[number];

export interface KnownFailure {
  backends: BackendName[];
  /** What goes wrong, for people. */
  symptom: string;
  /** The finding's signature (see outcome.ts), so a later run does not save it again. */
  signature: string;
}

/** `<target>/<file>` -> known failure. */
export type KnownFailing = Record<string, KnownFailure>;

export const corpusDir = (root: string): string => join(root, 'fuzz', 'corpus');
const manifestPath = (root: string): string => join(corpusDir(root), 'known-failing.json');

export function readKnownFailing(root: string): KnownFailing {
  const path = manifestPath(root);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as KnownFailing) : {};
}

export function writeKnownFailing(root: string, known: KnownFailing): void {
  const sorted = Object.fromEntries(Object.entries(known).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(manifestPath(root), JSON.stringify(sorted, null, 2) + '\n');
}

/** Every corpus entry as `<target>/<file>` with its path. */
export function corpusEntries(root: string): Array<{ key: string; target: CorpusTarget; path: string }> {
  const entries: Array<{ key: string; target: CorpusTarget; path: string }> = [];
  for (const target of CORPUS_TARGETS) {
    const dir = join(corpusDir(root), target);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) entries.push({ key: `${target}/${name}`, target, path: join(dir, name) });
  }
  return entries;
}

export function saveCorpusEntry(root: string, target: CorpusTarget, name: string, bytes: Buffer): string {
  const dir = join(corpusDir(root), target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), bytes);
  return `${target}/${name}`;
}
