import { createFaultyProxy, type FaultyProxy } from '../../src/proxy/faulty/faulty-proxy';
import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';
import { LatencyHistogram } from '../../src/proxy/forward/latency-histogram';
import { basic, curl, echoThrough, openTunnel } from '../helpers/proxy-clients';
import { startEchoServer, type Running } from '../helpers/proxy-targets';

let echo: Running;
let good: FaultyProxy;
let broken: FaultyProxy;
let proxy: ForwardProxy;
let clock = Date.UTC(2026, 0, 1);
const AUTH = { 'Proxy-Authorization': basic('u', 'p') };

beforeAll(async () => {
  echo = await startEchoServer();
  good = await createFaultyProxy();
  broken = await createFaultyProxy({ faults: [{ kind: 'reset' }] });
  proxy = await createForwardProxy(
    {
      listen: '127.0.0.1:0',
      auth: { users: [{ username: 'u', password: 'p' }] },
      upstreams: [
        { url: good.url, tag: 'fast' },
        { url: broken.url, tag: 'flaky' },
      ],
      retries: 0,
      health: { failureThreshold: 100 },
    },
    { now: () => clock },
  );
});
afterAll(async () => {
  await Promise.all([proxy.close(), good.close(), broken.close(), echo.close()]);
});

async function settle(): Promise<void> {
  // Tunnel closes propagate through two sockets; give them a moment.
  for (let i = 0; i < 50 && proxy.stats().overall.lifetime.concurrency.current > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

test('stats after a scripted workload equal the exact counts', async () => {
  // 3 tunnels open at once on tag fast, each echoing 100 bytes
  const open = await Promise.all([0, 1, 2].map(() => openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { ...AUTH, 'X-Warcwire-Tag': 'fast' })));
  expect(open.map((t) => t.status)).toEqual([200, 200, 200]);
  for (const t of open) expect(await echoThrough(t.socket, 'x'.repeat(100))).toHaveLength(100);
  expect(proxy.stats().overall.lifetime.concurrency).toEqual({ current: 3, peak: 3 });
  for (const t of open) t.socket.destroy();
  // 2 more on fast, sequential, 50 bytes each
  for (let i = 0; i < 2; i++) {
    const t = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { 'Proxy-Authorization': basic('u-tag-fast', 'p') });
    expect(await echoThrough(t.socket, 'y'.repeat(50))).toHaveLength(50);
    t.socket.destroy();
  }
  // 2 on flaky: reset by the upstream, no retries -> 502
  for (let i = 0; i < 2; i++) {
    expect((await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, { ...AUTH, 'X-Warcwire-Tag': 'flaky' })).status).toBe(502);
  }
  // 1 without credentials
  expect((await openTunnel(proxy.port, `127.0.0.1:${echo.port}`)).status).toBe(407);
  await settle();

  const stats = proxy.stats();
  const expectedOverall = { total: 7, success: 5, failed: 2, concurrency: { current: 0, peak: 3 }, bytes: { up: 400, down: 400 } };
  expect(stats.overall.lifetime).toMatchObject(expectedOverall);
  expect(stats.overall.window).toMatchObject(expectedOverall);
  const ttt = stats.overall.lifetime.timeToTunnelMs!;
  expect(ttt.p50).toBeGreaterThan(0);
  expect(ttt.p50).toBeLessThanOrEqual(ttt.p95);
  expect(ttt.p95).toBeLessThanOrEqual(ttt.max);
  expect(stats.rejected).toEqual({ auth: 1, badRequest: 0, overload: 0, slow: 0 });
  expect(stats.upstreams[0]!.lifetime).toMatchObject({ total: 5, success: 5, failed: 0, bytes: { up: 400, down: 400 }, concurrency: { peak: 3, current: 0 } });
  expect(stats.upstreams[1]!.lifetime).toMatchObject({ total: 2, success: 0, failed: 2, timeToTunnelMs: null, bytes: { up: 0, down: 0 } });
  expect(stats.tags.fast!.lifetime).toMatchObject({ total: 5, success: 5 });
  expect(stats.tags.flaky!.lifetime).toMatchObject({ total: 2, failed: 2 });
  expect(good.counters.connects).toBe(5);
  expect(broken.counters.connects).toBe(2);

  // The same over HTTP, as JSON, with credentials.
  const viaHttp = JSON.parse((await curl(['-u', 'u:p', `${proxy.url}/stats`])).stdout);
  expect(viaHttp.overall.lifetime).toMatchObject(expectedOverall);
  expect(viaHttp.upstreams[1].url).toBe(broken.url);

  // Prometheus text carries the same numbers; counts that only grow are counters.
  const metrics = (await curl(['-u', 'u:p', `${proxy.url}/metrics`])).stdout;
  const types = metricTypes(metrics);
  for (const scope of ['warcwire_proxy', 'warcwire_proxy_upstream', 'warcwire_proxy_tag']) {
    expect(types.get(`${scope}_requests_total`)).toBe('counter');
    expect(types.get(`${scope}_bytes_total`)).toBe('counter');
    expect(types.get(`${scope}_open_tunnels`)).toBe('gauge');
    expect(types.get(`${scope}_window_requests`)).toBe('gauge');
  }
  expect(types.get('warcwire_proxy_rejected_requests_total')).toBe('counter');
  // Every counter, and only counters, end in _total.
  for (const [name, type] of types) expect(`${name} ${type === 'counter'}`).toBe(`${name} ${name.endsWith('_total')}`);
  expect(metrics).toContain('warcwire_proxy_requests_total{outcome="success"} 5');
  expect(metrics).toContain('warcwire_proxy_requests_total{outcome="failed"} 2');
  expect(metrics).toContain('warcwire_proxy_window_requests{outcome="failed"} 2');
  expect(metrics).toContain(`warcwire_proxy_upstream_requests_total{upstream="${broken.url}",tag="flaky",outcome="failed"} 2`);
  expect(metrics).toContain('warcwire_proxy_tag_requests_total{tag="fast",outcome="success"} 5');
  expect(metrics).toContain('warcwire_proxy_bytes_total{direction="up"} 400');
  expect(metrics).toContain('warcwire_proxy_bytes_total{direction="down"} 400');
  expect(metrics).toContain('warcwire_proxy_open_tunnels_peak 3');
  expect(metrics).toContain('warcwire_proxy_open_tunnels 0');
  expect(metrics).toContain('warcwire_proxy_rejected_requests_total{reason="auth"} 1');
});

test('the 15-minute window forgets; lifetime does not', async () => {
  clock += 10 * 60_000; // 10 minutes later: still in the window
  expect(proxy.stats().overall.window.total).toBe(7);
  const t = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, AUTH);
  expect(t.status).toBe(200);
  t.socket.destroy();
  await settle();
  expect(proxy.stats().overall.window.total).toBe(8);
  clock += 5 * 60_000 + 15_000; // the first 7 are now older than 15 minutes
  const later = proxy.stats();
  expect(later.overall.window).toMatchObject({ total: 1, success: 1, failed: 0, concurrency: { peak: 1 } });
  expect(later.overall.lifetime.total).toBe(8);
  expect(later.tags.flaky!.window.total).toBe(0);
  expect(later.uptimeSeconds).toBe(15 * 60 + 15);
  clock += 15 * 60_000;
  const empty = proxy.stats().overall.window;
  expect(empty).toMatchObject({ total: 0, timeToTunnelMs: null, bytes: { up: 0, down: 0 }, concurrency: { current: 0, peak: 0 } });
});

/** Metric name -> type, from the `# TYPE` lines of an exposition. */
function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!);
  return types;
}

test('latency histogram percentiles stay within 5 %', () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.observe(i);
  const s = h.summary()!;
  expect(s.avg).toBe(500.5);
  expect(s.max).toBe(1000);
  expect(Math.abs(s.p50 - 500) / 500).toBeLessThanOrEqual(0.05);
  expect(Math.abs(s.p95 - 950) / 950).toBeLessThanOrEqual(0.05);
});
