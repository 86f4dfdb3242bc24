/** Small statistics the sections share. */
import type { BenchRow } from './types';

/** The middle value (the upper of the two middles for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Measures every contender once per round, the order reversed every other
 * round, so that a drift in the machine's load does not favour whoever goes
 * first. Each contender's samples, in round order.
 */
export async function alternatingRounds<C>(contenders: readonly C[], rounds: number, measure: (contender: C) => Promise<number>): Promise<number[][]> {
  const samples = contenders.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) samples[i]!.push(await measure(contenders[i]!));
  }
  return samples;
}

/** The median of a / b round by round (the two contenders measured next to each other). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / b[i]!));
}

/**
 * One row per contender of alternating rounds (`samples` in `labels`' order):
 * the median of its rates (`unit`, e.g. 'pages/s'), their range, and for all
 * but the baseline the ratio of medians `vs <baseline.name>` and the ratio
 * paired by round.
 */
export function rateRows(
  section: string,
  labels: readonly string[],
  samples: readonly number[][],
  options: { unit: string; digits: number; baseline: { label: string; name: string }; caseOf: (label: string) => string },
): BenchRow[] {
  const { unit, digits, baseline, caseOf } = options;
  const base = samples[labels.indexOf(baseline.label)]!;
  return labels.map((label, i) => {
    const rates = samples[i]!;
    const metrics: Record<string, number | string> = { [unit]: median(rates), [`${unit} range`]: `${Math.min(...rates).toFixed(digits)}-${Math.max(...rates).toFixed(digits)}` };
    if (label !== baseline.label) {
      metrics[`vs ${baseline.name}`] = median(rates) / median(base);
      metrics[`vs ${baseline.name}, paired by round`] = pairedRatio(rates, base);
    }
    return { section, case: caseOf(label), metrics };
  });
}
