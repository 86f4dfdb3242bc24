/**
 * One row of the benchmark table. Every section measures its contenders side
 * by side in the same run and reports ratios next to absolute numbers
 * (the machine is shared and noisy; only ratios from one run are comparable).
 */
export interface BenchRow {
  /** e.g. 'digest', 'members', 'sink', 'writer', 'client' */
  section: string;
  /** e.g. 'sha1 64KiB native' */
  case: string;
  /** e.g. { 'MB/s': 812.3, 'records/s': 40210, 'native/js': 2.1 } */
  metrics: Record<string, number | string>;
}

/** A bench section lives in `bench/sections/<name>.ts` and exports `run`. */
export type BenchSection = (options: { quick: boolean }) => Promise<BenchRow[]>;
