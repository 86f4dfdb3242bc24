/**
 * `npm run bench [-- --quick] [-- --only <section>]`: runs every
 * bench/sections/*.ts module (compiled to dist-bench/), prints one table, then
 * the targets of this run (value, goal, met or MISS), and writes
 * bench/results.json (with --only, other sections' previous rows are kept).
 * Sections measure their contenders side by side in one run; only
 * ratios from the same run are comparable on a shared machine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { linkNativeBuild, repoRoot } from '../scripts/compiled-tree';
import { isTargetRow } from './targets';
import type { BenchRow, BenchSection } from './types';

interface Results {
  date?: string;
  quick?: boolean;
  runs?: Record<string, { date: string; quick: boolean }>;
  rows: BenchRow[];
}

function readResults(file: string): Results | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
    return Array.isArray(parsed.rows) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function printTable(rows: BenchRow[]): void {
  const lines = rows.map((row) => [
    row.section,
    row.case,
    Object.entries(row.metrics)
      .map(([key, value]) => `${key}=${formatValue(value)}`)
      .join('  '),
  ]);
  const widths = [0, 1].map((i) => Math.max(i === 0 ? 7 : 4, ...lines.map((l) => l[i]!.length)));
  const pad = (cells: string[]) => `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padEnd(widths[1]!)}  ${cells[2]}`;
  console.log(pad(['section', 'case', 'metrics']));
  console.log(pad(['-'.repeat(widths[0]!), '-'.repeat(widths[1]!), '-------']));
  for (const line of lines) console.log(pad(line));
}

/** The closing summary: every target of this run, its measured value, its goal, met or MISS. */
function printTargets(rows: BenchRow[]): void {
  const targets = rows.filter(isTargetRow);
  if (targets.length === 0) return;
  // Three decimals: a size goal of 1.01 needs them (results.json keeps full precision).
  const value = (v: number | string | undefined) => (typeof v === 'number' && Math.abs(v) < 10 ? v.toFixed(3) : formatValue(v ?? 'n/a'));
  const cells = targets.map((row) => [row.section, row.case.replace(/^target: /, ''), value(row.metrics.value), String(row.metrics.goal ?? ''), String(row.metrics.result ?? '')]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  console.log('\ntargets (ratios measured side by side in this run):');
  for (const line of cells) console.log(`  ${line.map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const root = repoRoot(__dirname, 'dist-bench');
  linkNativeBuild(root, path.resolve(__dirname, '..'));

  const sectionsDir = path.join(__dirname, 'sections');
  const names = fs
    .readdirSync(sectionsDir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .filter((name) => only === undefined || name === only)
    .sort();
  const rows: BenchRow[] = [];
  for (const name of names) {
    const started = Date.now();
    console.error(`[bench] ${name}${quick ? ' (quick)' : ''}...`);
    try {
      const section = (require(path.join(sectionsDir, name)) as { run?: BenchSection }).run;
      if (typeof section !== 'function') throw new Error('module exports no run()');
      rows.push(...(await section({ quick })));
    } catch (err) {
      rows.push({ section: name, case: 'FAILED', metrics: { error: err instanceof Error ? err.message : String(err) } });
    }
    console.error(`[bench] ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  printTable(rows);
  printTargets(rows);
  const out = path.join(root, 'bench', 'results.json');
  const now = new Date().toISOString();
  // With --only, the other sections' rows of the previous results are kept (each section says when it ran).
  const previous = only !== undefined ? readResults(out) : undefined;
  const kept = previous?.rows.filter((row) => !names.includes(row.section)) ?? [];
  const runs: Record<string, { date: string; quick: boolean }> = {};
  for (const row of kept) runs[row.section] = previous?.runs?.[row.section] ?? { date: previous?.date ?? 'unknown', quick: previous?.quick ?? false };
  for (const name of names) runs[name] = { date: now, quick };
  const results = {
    date: now,
    quick,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: os.loadavg(),
    runs,
    rows: [...kept, ...rows],
  };
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.error(`[bench] wrote ${path.relative(process.cwd(), out) || out}`);
  if (rows.some((r) => r.case === 'FAILED')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
