/**
 * The built-in MetricsRegistry: counters, gauges and histograms with labels, kept in
 * memory and rendered in the Prometheus text exposition format 0.0.4.
 *
 *   const registry = new PrometheusRegistry();
 *   const written = registry.counter({ name: 'total_data_written', help: 'Bytes written' });
 *   written.inc(undefined, 512);
 *   registry.toPrometheus(); // "# HELP total_data_written Bytes written\n# TYPE ..."
 *
 * Misuse (bad names, a label set that does not match `labelNames`, a counter going
 * down, NaN) throws a MetricsError at the call site, so a typo in a label name
 * fails the first test that reaches it instead of silently creating a new series.
 */
import { MetricsError } from './errors';
import type { Counter, Gauge, Histogram, HistogramOptions, Labels, MetricOptions, MetricsRegistry } from './metrics';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** prom-client's default buckets (seconds), so dashboards built for either look the same. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Content-Type of `toPrometheus()` output when served over HTTP. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface SeriesSnapshot {
  labels: Labels;
  value: number;
}

export interface HistogramSeriesSnapshot {
  labels: Labels;
  /** Cumulative counts per upper bound, the last one being +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export type MetricSnapshot =
  | { kind: 'counter' | 'gauge'; name: string; help: string; labelNames: readonly string[]; series: SeriesSnapshot[] }
  | { kind: 'histogram'; name: string; help: string; labelNames: readonly string[]; series: HistogramSeriesSnapshot[] };

/** A registry whose contents can be scraped; `createMetricsServer` serves any of these. */
export interface ScrapableRegistry {
  toPrometheus(): string | Promise<string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface ScalarSeries {
  values: string[];
  value: number;
}

interface HistogramSeries {
  values: string[];
  /** Non-cumulative count per bucket; index buckets.length is the +Inf bucket. */
  counts: number[];
  sum: number;
  count: number;
}

interface Family {
  kind: MetricKind;
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets: readonly number[];
  series: Map<string, ScalarSeries | HistogramSeries>;
  handle: Counter | Gauge | Histogram;
}

export class PrometheusRegistry implements MetricsRegistry, ScrapableRegistry {
  private readonly families = new Map<string, Family>();

  counter(options: MetricOptions): Counter {
    const family = this.family('counter', options, []);
    return family.handle as Counter;
  }

  gauge(options: MetricOptions): Gauge {
    const family = this.family('gauge', options, []);
    return family.handle as Gauge;
  }

  histogram(options: HistogramOptions): Histogram {
    const buckets = checkBuckets(options.name, options.buckets ?? DEFAULT_BUCKETS);
    const family = this.family('histogram', options, buckets);
    return family.handle as Histogram;
  }

  /** Current value of a counter or gauge series; undefined when never touched or not scalar. */
  value(name: string, labels?: Labels): number | undefined {
    const family = this.families.get(name);
    if (family === undefined || family.kind === 'histogram') return undefined;
    const values = labelValues(family, labels);
    const series = family.series.get(seriesKey(values)) as ScalarSeries | undefined;
    return series?.value;
  }

  /** Sum of a counter or gauge over all its series (e.g. all proxies). */
  total(name: string): number {
    const family = this.families.get(name);
    if (family === undefined || family.kind === 'histogram') return 0;
    let sum = 0;
    for (const s of family.series.values()) sum += (s as ScalarSeries).value;
    return sum;
  }

  /** A copy of everything registered, in registration order. */
  snapshot(): MetricSnapshot[] {
    const out: MetricSnapshot[] = [];
    for (const f of this.families.values()) {
      const toLabels = (values: string[]): Labels => Object.fromEntries(f.labelNames.map((n, i) => [n, values[i]!]));
      if (f.kind === 'histogram') {
        const series = [...f.series.values()].map((raw) => {
          const s = raw as HistogramSeries;
          let cumulative = 0;
          const buckets = s.counts.map((c, i) => {
            cumulative += c;
            return { le: i < f.buckets.length ? f.buckets[i]! : Infinity, count: cumulative };
          });
          return { labels: toLabels(s.values), buckets, sum: s.sum, count: s.count };
        });
        out.push({ kind: 'histogram', name: f.name, help: f.help, labelNames: f.labelNames, series });
      } else {
        const series = [...f.series.values()].map((raw) => ({
          labels: toLabels(raw.values),
          value: (raw as ScalarSeries).value,
        }));
        out.push({ kind: f.kind, name: f.name, help: f.help, labelNames: f.labelNames, series });
      }
    }
    return out;
  }

  /** Text exposition format 0.0.4: HELP and TYPE per family, then its samples. */
  toPrometheus(): string {
    const lines: string[] = [];
    for (const snap of this.snapshot()) {
      lines.push(`# HELP ${snap.name} ${escapeHelp(snap.help)}`);
      lines.push(`# TYPE ${snap.name} ${snap.kind}`);
      if (snap.kind === 'histogram') {
        for (const s of snap.series) {
          for (const b of s.buckets) {
            lines.push(`${snap.name}_bucket${renderLabels(s.labels, formatValue(b.le))} ${b.count}`);
          }
          lines.push(`${snap.name}_sum${renderLabels(s.labels)} ${formatValue(s.sum)}`);
          lines.push(`${snap.name}_count${renderLabels(s.labels)} ${s.count}`);
        }
      } else {
        for (const s of snap.series) lines.push(`${snap.name}${renderLabels(s.labels)} ${formatValue(s.value)}`);
      }
    }
    return lines.length === 0 ? '' : lines.join('\n') + '\n';
  }

  private family(kind: MetricKind, options: MetricOptions, buckets: readonly number[]): Family {
    const { name, help } = options;
    const labelNames = [...(options.labelNames ?? [])];
    const existing = this.families.get(name);
    if (existing !== undefined) {
      if (
        existing.kind !== kind ||
        existing.labelNames.join(',') !== labelNames.join(',') ||
        existing.buckets.join(',') !== buckets.join(',')
      ) {
        throw new MetricsError(
          'ERR_METRIC_CONFLICT',
          `metric ${name} is already registered as a ${existing.kind} with labels [${existing.labelNames.join(', ')}]` +
            (existing.kind === 'histogram' ? ` and buckets [${existing.buckets.join(', ')}]` : ''),
        );
      }
      return existing;
    }
    if (!METRIC_NAME.test(name)) throw new MetricsError('ERR_METRIC_NAME', `invalid metric name ${JSON.stringify(name)}`);
    const seen = new Set<string>();
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__') || (kind === 'histogram' && l === 'le') || seen.has(l)) {
        throw new MetricsError('ERR_METRIC_NAME', `invalid or repeated label name ${JSON.stringify(l)} on metric ${name}`);
      }
      seen.add(l);
    }
    const family: Family = { kind, name, help, labelNames, buckets, series: new Map(), handle: undefined as never };
    family.handle = kind === 'counter' ? counterHandle(family) : kind === 'gauge' ? gaugeHandle(family) : histogramHandle(family);
    // An unlabelled counter or gauge exists from the start, reading 0 (as prom-client does).
    if (kind !== 'histogram' && labelNames.length === 0) family.series.set('', { values: [], value: 0 });
    this.families.set(name, family);
    return family;
  }
}

function counterHandle(f: Family): Counter {
  return {
    inc(labels?: Labels, value = 1): void {
      if (!Number.isFinite(value) || value < 0) {
        throw new MetricsError('ERR_METRIC_VALUE', `counter ${f.name} can only increase by a finite number >= 0, got ${value}`);
      }
      scalar(f, labels).value += value;
    },
  };
}

function gaugeHandle(f: Family): Gauge {
  const check = (value: number): number => {
    if (Number.isNaN(value) || typeof value !== 'number') {
      throw new MetricsError('ERR_METRIC_VALUE', `gauge ${f.name} got a value that is not a number: ${String(value)}`);
    }
    return value;
  };
  return {
    set(value: number, labels?: Labels): void {
      scalar(f, labels).value = check(value);
    },
    inc(labels?: Labels, value = 1): void {
      scalar(f, labels).value += check(value);
    },
    dec(labels?: Labels, value = 1): void {
      scalar(f, labels).value -= check(value);
    },
  };
}

function histogramHandle(f: Family): Histogram {
  return {
    observe(value: number, labels?: Labels): void {
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new MetricsError('ERR_METRIC_VALUE', `histogram ${f.name} got a value that is not a number: ${String(value)}`);
      }
      const values = labelValues(f, labels);
      const key = seriesKey(values);
      let s = f.series.get(key) as HistogramSeries | undefined;
      if (s === undefined) {
        s = { values, counts: new Array<number>(f.buckets.length + 1).fill(0), sum: 0, count: 0 };
        f.series.set(key, s);
      }
      let i = 0;
      while (i < f.buckets.length && value > f.buckets[i]!) i++;
      s.counts[i]!++;
      s.sum += value;
      s.count++;
    },
  };
}

function scalar(f: Family, labels: Labels | undefined): ScalarSeries {
  if (f.labelNames.length === 0 && (labels === undefined || Object.keys(labels).length === 0)) {
    return f.series.get('') as ScalarSeries;
  }
  const values = labelValues(f, labels);
  const key = seriesKey(values);
  let s = f.series.get(key) as ScalarSeries | undefined;
  if (s === undefined) {
    s = { values, value: 0 };
    f.series.set(key, s);
  }
  return s;
}

/** The label values in labelNames order; the keys given must be exactly labelNames. */
function labelValues(f: Family, labels: Labels | undefined): string[] {
  const given = labels ?? {};
  const keys = Object.keys(given);
  const values: string[] = [];
  for (const n of f.labelNames) {
    const v = given[n];
    if (typeof v !== 'string') break;
    values.push(v);
  }
  if (values.length !== f.labelNames.length || keys.length !== f.labelNames.length) {
    throw new MetricsError(
      'ERR_METRIC_LABELS',
      `metric ${f.name} takes labels [${f.labelNames.join(', ')}] (string values), got [${keys.join(', ')}]`,
    );
  }
  return values;
}

function seriesKey(values: readonly string[]): string {
  return values.length === 0 ? '' : JSON.stringify(values);
}

function checkBuckets(name: string, buckets: readonly number[]): readonly number[] {
  const out = buckets.filter((b) => b !== Infinity);
  for (let i = 0; i < out.length; i++) {
    if (typeof out[i] !== 'number' || !Number.isFinite(out[i]) || (i > 0 && out[i]! <= out[i - 1]!)) {
      throw new MetricsError('ERR_METRIC_BUCKETS', `histogram ${name}: buckets must be finite and strictly increasing`);
    }
  }
  return out;
}

export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function renderLabels(labels: Labels, le?: string): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (le !== undefined) parts.push(`le="${le}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** The built-in registry (same as `new PrometheusRegistry()`). */
export function createMetricsRegistry(): PrometheusRegistry {
  return new PrometheusRegistry();
}
