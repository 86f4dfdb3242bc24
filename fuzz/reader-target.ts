/**
 * The reader target: one input file through every reading entry point of the
 * public API — WarcReader (all records, all payloads), checkFile, indexFile,
 * and mend's scan (planMend on a temporary `.open` copy, nothing applied).
 */
import { copyFileSync, rmSync } from 'node:fs';
import { checkFile, indexFile, planMend, WarcReader } from '../src/index';
import { step, type Failure } from './outcome';

export const READER_STEPS = ['reader', 'check', 'index', 'mend'] as const;

export async function runReaderInput(file: string, scratch: string, onStep: (name: string) => void, codes: string[]): Promise<Failure | undefined> {
  const steps: Record<(typeof READER_STEPS)[number], () => Promise<void>> = {
    reader: async () => {
      for await (const record of new WarcReader(file)) {
        await record.httpHead();
        for await (const _chunk of record.payload()) {
          // drained: only that it streams to the end matters
        }
      }
    },
    check: async () => {
      await checkFile(file, { keepRecords: false });
    },
    index: async () => {
      for await (const _line of indexFile(file)) {
        // drained
      }
    },
    mend: async () => {
      const copy = `${scratch}.warc.open`;
      copyFileSync(file, copy);
      try {
        await planMend(copy);
      } finally {
        rmSync(copy, { force: true });
      }
    },
  };
  for (const name of READER_STEPS) {
    onStep(name);
    const failure = await step(name, codes, steps[name]);
    if (failure) return failure;
  }
  return undefined;
}
