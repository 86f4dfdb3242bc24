/**
 * Adapter that lets warcwire report into a prom-client registry instead of the
 * built-in one. It is typed structurally, so warcwire does not depend on prom-client:
 * pass the module you already use.
 *
 *   import * as promClient from 'prom-client';
 *   import { promClientRegistry } from 'warcwire';
 *
 *   const register = new promClient.Registry();          // or promClient.register
 *   const metrics = promClientRegistry(promClient, register);
 *   const client = new WarcClient({ metrics, ... });     // warcwire counts into `register`
 *   app.get('/metrics', async (_req, res) => {
 *     res.set('Content-Type', register.contentType).send(await register.metrics());
 *   });
 *
 * The returned object also has `toPrometheus()`, so `createMetricsServer` can serve it.
 * Only the prom-client calls below are used: `new Counter/Gauge/Histogram({ name, help,
 * labelNames, buckets, registers })`, `inc/dec/set/observe` with (labels, value), and
 * `registry.getSingleMetric(name)` / `registry.metrics()`.
 */
import { MetricsError } from './errors';
import type { Counter, Gauge, Histogram, HistogramOptions, Labels, MetricOptions, MetricsRegistry } from './metrics';
import type { ScrapableRegistry } from './registry';

/** `R` is the application's prom-client Registry class, so the config fits prom-client's own type. */
export interface PromMetricConfig<R = PromRegistryLike> {
  name: string;
  help: string;
  labelNames?: readonly string[];
  buckets?: number[];
  registers?: R[];
}

export interface PromCounterLike {
  inc(labels: Labels, value?: number): void;
}

export interface PromGaugeLike {
  set(labels: Labels, value: number): void;
  inc(labels: Labels, value?: number): void;
  dec(labels: Labels, value?: number): void;
}

export interface PromHistogramLike {
  observe(labels: Labels, value: number): void;
}

export interface PromRegistryLike {
  metrics(): Promise<string> | string;
  getSingleMetric(name: string): unknown;
}

/** The part of the `prom-client` module the adapter needs. */
export interface PromClientLike<R = PromRegistryLike> {
  Counter: new (config: PromMetricConfig<R>) => PromCounterLike;
  Gauge: new (config: PromMetricConfig<R>) => PromGaugeLike;
  Histogram: new (config: PromMetricConfig<R>) => PromHistogramLike;
}

type Kind = 'counter' | 'gauge' | 'histogram';

export function promClientRegistry<R extends PromRegistryLike>(promClient: PromClientLike<R>, registry: R): MetricsRegistry & ScrapableRegistry {
  const made = new Map<string, { kind: Kind; handle: Counter | Gauge | Histogram }>();

  function get<T>(kind: Kind, options: MetricOptions, create: (config: PromMetricConfig<R>) => T, wrap: (m: T) => Counter | Gauge | Histogram): Counter | Gauge | Histogram {
    const known = made.get(options.name);
    if (known !== undefined) {
      if (known.kind !== kind) {
        throw new MetricsError('ERR_METRIC_CONFLICT', `metric ${options.name} is already registered as a ${known.kind}`);
      }
      return known.handle;
    }
    // A metric the application registered itself under the same name is reused as is.
    const existing = registry.getSingleMetric(options.name) as T | undefined;
    const config: PromMetricConfig<R> = { name: options.name, help: options.help, labelNames: [...(options.labelNames ?? [])], registers: [registry] };
    const buckets = (options as HistogramOptions).buckets;
    if (kind === 'histogram' && buckets !== undefined) config.buckets = [...buckets];
    const handle = wrap(existing ?? create(config));
    made.set(options.name, { kind, handle });
    return handle;
  }

  // prom-client takes (labels, value) everywhere; warcwire's Gauge.set and
  // Histogram.observe take (value, labels), so those two swap arguments.
  return {
    counter: (options) =>
      get('counter', options, (c) => new promClient.Counter(c), (m) => ({
        inc: (labels?: Labels, value?: number) => m.inc(labels ?? {}, value ?? 1),
      })) as Counter,
    gauge: (options) =>
      get('gauge', options, (c) => new promClient.Gauge(c), (m) => ({
        set: (value: number, labels?: Labels) => m.set(labels ?? {}, value),
        inc: (labels?: Labels, value?: number) => m.inc(labels ?? {}, value ?? 1),
        dec: (labels?: Labels, value?: number) => m.dec(labels ?? {}, value ?? 1),
      })) as Gauge,
    histogram: (options) =>
      get('histogram', options, (c) => new promClient.Histogram(c), (m) => ({
        observe: (value: number, labels?: Labels) => m.observe(labels ?? {}, value),
      })) as Histogram,
    toPrometheus: () => registry.metrics(),
  };
}
