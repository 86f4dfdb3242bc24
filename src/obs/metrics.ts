/** Label values of one metric series, e.g. `{ proxy: 'socks5://host:1080' }`. */
export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  buckets?: readonly number[];
}

/**
 * Where warcwire reports its numbers. `obs/registry.ts` has the built-in
 * implementation with Prometheus text output; a prom-client adapter fits here too.
 * Asking twice for the same name returns the same metric.
 */
export interface MetricsRegistry {
  counter(options: MetricOptions): Counter;
  gauge(options: MetricOptions): Gauge;
  histogram(options: HistogramOptions): Histogram;
}
