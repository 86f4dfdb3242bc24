import { MetricsError } from '../../src/obs/errors';
import { METRICS } from '../../src/obs/metric-names';
import { PrometheusRegistry } from '../../src/obs/registry';
import { parsePrometheusText } from './prom-text-parser';

describe('PrometheusRegistry', () => {
  it('renders counters, gauges and histograms in the 0.0.4 text format', () => {
    const r = new PrometheusRegistry();
    const written = r.counter({ name: 'total_data_written', help: 'Bytes written' });
    written.inc(undefined, 512);
    written.inc();
    const proxies = r.counter({ name: 'proxy_requests_total', help: 'Per proxy', labelNames: ['proxy'] });
    proxies.inc({ proxy: 'socks5://a:1080' });
    proxies.inc({ proxy: 'socks5://a:1080' }, 2);
    proxies.inc({ proxy: 'b' });
    const q = r.gauge({ name: 'writer_queue_depth', help: 'Queue' });
    q.set(7);
    q.dec(undefined, 2);
    q.inc();
    const h = r.histogram({ name: 'lat_seconds', help: 'Latency', buckets: [0.1, 1] });
    h.observe(0.05);
    h.observe(0.1); // le is inclusive
    h.observe(0.5);
    h.observe(3);

    expect(r.toPrometheus()).toBe(
      [
        '# HELP total_data_written Bytes written',
        '# TYPE total_data_written counter',
        'total_data_written 513',
        '# HELP proxy_requests_total Per proxy',
        '# TYPE proxy_requests_total counter',
        'proxy_requests_total{proxy="socks5://a:1080"} 3',
        'proxy_requests_total{proxy="b"} 1',
        '# HELP writer_queue_depth Queue',
        '# TYPE writer_queue_depth gauge',
        'writer_queue_depth 6',
        '# HELP lat_seconds Latency',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{le="0.1"} 2',
        'lat_seconds_bucket{le="1"} 3',
        'lat_seconds_bucket{le="+Inf"} 4',
        'lat_seconds_sum 3.65',
        'lat_seconds_count 4',
        '',
      ].join('\n'),
    );
    expect(r.value('proxy_requests_total', { proxy: 'socks5://a:1080' })).toBe(3);
    expect(r.total('proxy_requests_total')).toBe(4);
  });

  it('escapes label values and help text so a strict parser gets the originals back', () => {
    const r = new PrometheusRegistry();
    const nasty = 'back\\slash "quoted"\nnewline {},=';
    r.counter({ name: 'odd_total', help: 'help with \\ and\nnewline', labelNames: ['v', 'w'] }).inc({ v: nasty, w: '' }, 5);
    r.histogram({ name: 'h_seconds', help: 'h', labelNames: ['source'] }).observe(0.2, { source: 'c"dx' });
    const text = r.toPrometheus();
    expect(text).toContain('odd_total{v="back\\\\slash \\"quoted\\"\\nnewline {},=",w=""} 5');
    const parsed = parsePrometheusText(text);
    const odd = parsed.get('odd_total')!;
    expect(odd.help).toBe('help with \\ and\nnewline');
    expect(odd.type).toBe('counter');
    expect(odd.samples).toEqual([{ name: 'odd_total', labels: { v: nasty, w: '' }, value: 5 }]);
    const h = parsed.get('h_seconds')!;
    expect(h.type).toBe('histogram');
    // default buckets (11) + +Inf, then sum and count
    expect(h.samples).toHaveLength(14);
    expect(h.samples.filter((s) => s.name === 'h_seconds_bucket').every((s) => s.labels.source === 'c"dx')).toBe(true);
    expect(h.samples.find((s) => s.labels.le === '0.25')!.value).toBe(1);
    expect(h.samples.find((s) => s.labels.le === '0.1')!.value).toBe(0);
  });

  it('formats special values and large integers so Prometheus can read them', () => {
    const r = new PrometheusRegistry();
    const g = r.gauge({ name: 'g', help: 'g', labelNames: ['k'] });
    g.set(Infinity, { k: 'pos' });
    g.set(-Infinity, { k: 'neg' });
    g.set(1706140800000000000, { k: 'ns' });
    g.set(0.000001, { k: 'small' });
    const parsed = parsePrometheusText(r.toPrometheus());
    const values = Object.fromEntries(parsed.get('g')!.samples.map((s) => [s.labels.k, s.value]));
    expect(values).toEqual({ pos: Infinity, neg: -Infinity, ns: 1706140800000000000, small: 0.000001 });
  });

  it('returns the same metric for the same name and rejects conflicting definitions', () => {
    const r = new PrometheusRegistry();
    const a = r.counter({ name: 'x_total', help: 'x', labelNames: ['a'] });
    expect(r.counter({ name: 'x_total', help: 'x again', labelNames: ['a'] })).toBe(a);
    expect(() => r.gauge({ name: 'x_total', help: 'x' })).toThrow(MetricsError);
    expect(() => r.counter({ name: 'x_total', help: 'x', labelNames: ['b'] })).toThrow(
      expect.objectContaining({ code: 'ERR_METRIC_CONFLICT' }),
    );
    r.histogram({ name: 'h', help: 'h', buckets: [1, 2] });
    expect(() => r.histogram({ name: 'h', help: 'h', buckets: [1, 3] })).toThrow(expect.objectContaining({ code: 'ERR_METRIC_CONFLICT' }));
  });

  it('rejects bad names, label mismatches, decreasing counters, NaN and bad buckets with typed errors', () => {
    const r = new PrometheusRegistry();
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(MetricsError);
        return (e as MetricsError).code;
      }
      return undefined;
    };
    expect(code(() => r.counter({ name: '1abc', help: '' }))).toBe('ERR_METRIC_NAME');
    expect(code(() => r.counter({ name: 'ok', help: '', labelNames: ['bad-label'] }))).toBe('ERR_METRIC_NAME');
    expect(code(() => r.counter({ name: 'ok2', help: '', labelNames: ['__reserved'] }))).toBe('ERR_METRIC_NAME');
    expect(code(() => r.histogram({ name: 'ok3', help: '', labelNames: ['le'] }))).toBe('ERR_METRIC_NAME');
    expect(code(() => r.counter({ name: 'ok4', help: '', labelNames: ['a', 'a'] }))).toBe('ERR_METRIC_NAME');
    expect(code(() => r.histogram({ name: 'hb', help: '', buckets: [1, 1] }))).toBe('ERR_METRIC_BUCKETS');
    expect(code(() => r.histogram({ name: 'hb2', help: '', buckets: [NaN] }))).toBe('ERR_METRIC_BUCKETS');

    const c = r.counter({ name: 'c_total', help: '', labelNames: ['proxy'] });
    expect(code(() => c.inc())).toBe('ERR_METRIC_LABELS');
    expect(code(() => c.inc({ prxy: 'a' }))).toBe('ERR_METRIC_LABELS');
    expect(code(() => c.inc({ proxy: 'a', extra: 'b' }))).toBe('ERR_METRIC_LABELS');
    expect(code(() => c.inc({ proxy: 'a' }, -1))).toBe('ERR_METRIC_VALUE');
    expect(code(() => c.inc({ proxy: 'a' }, NaN))).toBe('ERR_METRIC_VALUE');
    const plain = r.counter({ name: 'plain_total', help: '' });
    expect(code(() => plain.inc({ proxy: 'a' }))).toBe('ERR_METRIC_LABELS');
    expect(code(() => r.gauge({ name: 'g', help: '' }).set(NaN))).toBe('ERR_METRIC_VALUE');
    expect(code(() => r.histogram({ name: 'hh', help: '' }).observe(NaN))).toBe('ERR_METRIC_VALUE');
    // Nothing half-done is left behind by the failed calls.
    expect(r.total('c_total')).toBe(0);
    expect(r.value('plain_total')).toBe(0);
    expect(() => parsePrometheusText(r.toPrometheus())).not.toThrow();
  });

  it('registers every warcwire metric definition in one registry without conflict', () => {
    const r = new PrometheusRegistry();
    const names = new Set<string>();
    for (const d of Object.values(METRICS)) {
      expect(names.has(d.name)).toBe(false);
      names.add(d.name);
      const labels = Object.fromEntries(d.labelNames.map((n) => [n, 'x']));
      if (d.kind === 'counter') r.counter(d).inc(labels);
      else if (d.kind === 'gauge') r.gauge(d).set(2, labels);
      else r.histogram(d).observe(0.3, labels);
    }
    const parsed = parsePrometheusText(r.toPrometheus());
    for (const seedName of [
      'total_data_written', 'local_deduped_total', 'local_deduped_bytes_total', 'doppelganger_deduped_total',
      'doppelganger_deduped_bytes_total', 'cdx_deduped_total', 'cdx_deduped_bytes_total', 'proxy_requests_total',
      'proxy_errors_total', 'proxy_last_used_nanoseconds',
    ]) {
      expect(parsed.has(seedName)).toBe(true);
    }
    expect(parsed.get('proxy_last_used_nanoseconds')!.type).toBe('gauge');
    expect(parsed.get('proxy_errors_total')!.samples[0]!.labels).toEqual({ proxy: 'x' });
    expect(parsed.size).toBe(Object.keys(METRICS).length);
  });
});

describe('the test parser itself rejects malformed exposition text', () => {
  const bad: [string, string][] = [
    ['no final newline', 'a 1'],
    ['bad escape in label', 'a{l="\\t"} 1\n'],
    ['unterminated label', 'a{l="x} 1\n'],
    ['TYPE after samples', 'a 1\n# TYPE a counter\n'],
    ['interleaved families', 'a 1\nb 1\na{x="1"} 2\n'],
    ['duplicate series', 'a{x="1"} 1\na{x="1"} 2\n'],
    ['histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'],
    ['bad number', 'a 1,5\n'],
    ['bad metric name', '1a 1\n'],
  ];
  it.each(bad)('%s', (_label, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
