/**
 * prom-client is not a dependency of warcwire and cannot be installed here, so this test
 * drives the adapter with a stand-in that follows prom-client's documented calling
 * convention ((labels, value) argument order, `registers`, duplicate registration
 * throwing, `getSingleMetric`, async `metrics()`). It checks the adapter's translation,
 * not prom-client itself.
 */
import { METRICS } from '../../src/obs/metric-names';
import { promClientRegistry, type PromClientLike, type PromMetricConfig, type PromRegistryLike } from '../../src/obs/prom-client-adapter';
import type { Labels } from '../../src/obs/metrics';

type Call = [string, string, Labels, number];

function standIn(): { client: PromClientLike; registry: PromRegistryLike & { calls: Call[]; configs: PromMetricConfig[] } } {
  const metrics = new Map<string, unknown>();
  const calls: Call[] = [];
  const configs: PromMetricConfig[] = [];
  const registry = {
    calls,
    configs,
    getSingleMetric: (name: string) => metrics.get(name),
    metrics: async () => [...metrics.keys()].join('\n') + '\n',
  };
  const make = (kind: string, methods: string[]) =>
    class {
      constructor(config: PromMetricConfig) {
        if (metrics.has(config.name)) throw new Error(`A metric with the name ${config.name} has already been registered.`);
        for (const r of config.registers ?? []) if (r === registry) metrics.set(config.name, this);
        configs.push(config);
        for (const m of methods) {
          (this as Record<string, unknown>)[m] = (labels: Labels, value: number) => calls.push([`${kind}.${m}`, config.name, labels, value]);
        }
      }
    };
  const client = {
    Counter: make('counter', ['inc']),
    Gauge: make('gauge', ['set', 'inc', 'dec']),
    Histogram: make('histogram', ['observe']),
  } as unknown as PromClientLike;
  return { client, registry };
}

describe('promClientRegistry', () => {
  it('creates prom-client metrics in the given registry and passes (labels, value) in prom-client order', async () => {
    const { client, registry } = standIn();
    const m = promClientRegistry(client, registry);
    m.counter(METRICS.proxyRequests).inc({ proxy: 'p1' });
    m.counter(METRICS.totalDataWritten).inc(undefined, 100);
    const q = m.gauge(METRICS.writerQueueDepth);
    q.set(3);
    q.inc(undefined, 2);
    q.dec();
    m.histogram({ ...METRICS.requestDuration, buckets: [0.5, 1] }).observe(0.7);
    expect(registry.calls).toEqual([
      ['counter.inc', 'proxy_requests_total', { proxy: 'p1' }, 1],
      ['counter.inc', 'total_data_written', {}, 100],
      ['gauge.set', 'writer_queue_depth', {}, 3],
      ['gauge.inc', 'writer_queue_depth', {}, 2],
      ['gauge.dec', 'writer_queue_depth', {}, 1],
      ['histogram.observe', 'request_duration_seconds', {}, 0.7],
    ]);
    expect(registry.configs.map((c) => [c.name, c.labelNames, c.buckets])).toEqual([
      ['proxy_requests_total', ['proxy'], undefined],
      ['total_data_written', [], undefined],
      ['writer_queue_depth', [], undefined],
      ['request_duration_seconds', [], [0.5, 1]],
    ]);
    expect(await m.toPrometheus()).toContain('proxy_requests_total');
  });

  it('returns the same handle for the same name, reuses metrics the application registered, and rejects kind conflicts', () => {
    const { client, registry } = standIn();
    new client.Counter({ name: 'errors_total', help: 'app-made', labelNames: ['kind'], registers: [registry] });
    const m = promClientRegistry(client, registry);
    const a = m.counter(METRICS.errors); // would throw "already registered" if created again
    expect(m.counter(METRICS.errors)).toBe(a);
    a.inc({ kind: 'dns' });
    expect(registry.calls).toEqual([['counter.inc', 'errors_total', { kind: 'dns' }, 1]]);
    expect(() => m.gauge({ name: 'errors_total', help: '' })).toThrow(expect.objectContaining({ code: 'ERR_METRIC_CONFLICT' }));
  });
});

// Compile-time check (run by `tsc --noEmit -p .`): prom-client 15's declared shapes, as
// published in its index.d.ts, must fit PromClientLike so `promClientRegistry(promClient, …)`
// type-checks for users. Only declarations; nothing here runs.
type PcLabelValues<T extends string> = Partial<Record<T, string | number>>;
declare class PcRegistry {
  metrics(): Promise<string>;
  getSingleMetric(name: string): PcCounter | undefined;
  readonly contentType: string;
}
interface PcMetricConfiguration<T extends string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: PcRegistry[];
}
declare class PcCounter<T extends string = string> {
  constructor(configuration: PcMetricConfiguration<T>);
  inc(labels?: PcLabelValues<T>, value?: number): void;
  inc(value?: number): void;
}
declare class PcGauge<T extends string = string> {
  constructor(configuration: PcMetricConfiguration<T>);
  inc(labels?: PcLabelValues<T>, value?: number): void;
  inc(value?: number): void;
  dec(labels?: PcLabelValues<T>, value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
  set(labels: PcLabelValues<T>, value: number): void;
}
declare class PcHistogram<T extends string = string> {
  constructor(configuration: PcMetricConfiguration<T> & { buckets?: number[] });
  observe(value: number): void;
  observe(labels: PcLabelValues<T>, value: number): void;
}
interface PromClientModuleShape {
  Counter: typeof PcCounter;
  Gauge: typeof PcGauge;
  Histogram: typeof PcHistogram;
  Registry: typeof PcRegistry;
}
type Fits<A, B> = A extends B ? true : false;
const promClientFits: [Fits<PromClientModuleShape, PromClientLike<PcRegistry>>, Fits<PcRegistry, PromRegistryLike>] = [true, true];
it('prom-client 15 declarations fit the adapter types (checked by tsc)', () => {
  expect(promClientFits).toEqual([true, true]);
});
/** Never called: makes tsc infer the adapter's call with prom-client's shapes. */
export function promClientCallTypeChecks(promClient: PromClientModuleShape, register: PcRegistry): void {
  promClientRegistry(promClient, register).counter(METRICS.requests).inc();
}
