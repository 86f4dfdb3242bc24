/** Relative width of a bucket: values are kept to within 5 %. */
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** Values at or below this (ms) share bucket 0. */
const FLOOR_MS = 0.05;

export interface LatencySummary {
  avg: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * Durations in ms on a log scale (buckets 5 % wide), so percentiles of any
 * number of samples take a few hundred counters. Count, sum and max are exact;
 * percentiles are the bucket's upper bound, capped at the max.
 */
export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  max = 0;

  observe(ms: number): void {
    const value = Math.max(0, ms);
    const index = value <= FLOOR_MS ? 0 : Math.ceil(Math.log(value / FLOOR_MS) / LOG_GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count += 1;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  merge(other: LatencyHistogram): void {
    for (const [index, n] of other.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n);
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) return Math.min(this.max, FLOOR_MS * GROWTH ** index);
    }
    return this.max;
  }

  /** null when nothing was observed. */
  summary(): LatencySummary | null {
    if (this.count === 0) return null;
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    return { avg: round(this.sum / this.count), p50: round(this.quantile(0.5)), p95: round(this.quantile(0.95)), max: round(this.max) };
  }
}
