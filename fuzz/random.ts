/** Seeded randomness for the fuzzer: one independent stream per (seed, target, input). */
import { seededRandom } from '../src/proxy/seeded-random';

export interface Random {
  /** [0, 1) */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** FNV-1a of a label, to keep targets' streams apart under one seed. */
function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function inputRandom(seed: number, label: string, index: number): Random {
  const mixed = (Math.imul(seed >>> 0, 0x9e3779b1) ^ labelHash(label) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  const next = seededRandom(mixed);
  const below = (n: number): number => Math.floor(next() * n);
  return {
    next,
    below,
    pick: <T>(items: readonly T[]): T => items[below(items.length)] as T,
    chance: (p: number) => next() < p,
  };
}
