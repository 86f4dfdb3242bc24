/**
 * Input number `index` of a target under a seed: a pure function of (seed,
 * index) and the seeds/templates, so a run replays exactly and a parent can
 * make any input again without storing it.
 */
import { gzipSync } from 'node:zlib';
import { encodeHttpInput, makeHttpInput } from './http-input';
import { mutate } from './mutate';
import { inputRandom } from './random';
import { pickSeed, type Seed } from './reader-seeds';

export interface MadeInput {
  bytes: Buffer;
  /** How it was made: seed or template, then the mutations. */
  from: string;
}

/** Input `index` of the reader target: a seed, mutated (sometimes left whole, sometimes gzipped after). */
export function readerInput(seeds: Seed[], seed: number, index: number): MadeInput {
  const rand = inputRandom(seed, 'reader', index);
  const base = pickSeed(seeds, rand);
  if (rand.chance(0.03)) return { bytes: base.bytes, from: `${base.name} as is` };
  const { bytes, applied } = mutate(base.bytes, rand, rand.pick(seeds).bytes);
  const plain = bytes[0] !== 0x1f && bytes[0] !== 0x28;
  if (plain && rand.chance(0.15)) return { bytes: gzipSync(bytes), from: `${base.name} ${applied.join('+')} +gzip` };
  return { bytes, from: `${base.name} ${applied.join('+')}` };
}

export function httpInput(templates: Buffer[], seed: number, index: number): MadeInput {
  const { input, applied } = makeHttpInput(inputRandom(seed, 'http', index), templates);
  return { bytes: encodeHttpInput(input), from: `${applied.join('+')} close=${input.close}` };
}

