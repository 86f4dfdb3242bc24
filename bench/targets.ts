/**
 * Targets: a ratio (or a latency) measured in this run against the goal the
 * project set for it. Each is a row like any other (case `target: …`, metrics
 * value, goal, result), so it lands in results.json; run.ts prints them again
 * as the closing summary.
 */
import type { BenchRow } from './types';

/** `>=`: at least the goal; `<=` / `<`: at most / below it. */
export type Comparison = '>=' | '<=' | '<';

export type TargetResult = 'met' | 'MISS';

const TARGET_PREFIX = 'target: ';

function meets(value: number, comparison: Comparison, goal: number): boolean {
  if (comparison === '>=') return value >= goal;
  if (comparison === '<=') return value <= goal;
  return value < goal;
}

/**
 * One target row. `value` undefined means a contender of the ratio did not
 * run; `missing` then says why (the row shows it instead of met/MISS).
 */
export function targetRow(
  section: string,
  label: string,
  value: number | undefined,
  comparison: Comparison,
  goal: number,
  missing = 'not measured',
): BenchRow {
  const goalText = `${comparison} ${goal}`;
  return {
    section,
    case: `${TARGET_PREFIX}${label}`,
    metrics:
      value === undefined || !Number.isFinite(value)
        ? { value: 'n/a', goal: goalText, result: missing }
        : { value, goal: goalText, result: meets(value, comparison, goal) ? 'met' : 'MISS' },
  };
}

export function isTargetRow(row: BenchRow): boolean {
  return row.case.startsWith(TARGET_PREFIX);
}

/** The number metric `key` of the row named `name`, if that row ran. */
export function metricOf(rows: readonly BenchRow[], name: string, key: string): number | undefined {
  const value = rows.find((r) => r.case === name)?.metrics[key];
  return typeof value === 'number' ? value : undefined;
}

/** `a / b` when both were measured. */
export function ratioOf(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}
