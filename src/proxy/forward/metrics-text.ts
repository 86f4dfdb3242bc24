import { PrometheusRegistry } from '../../obs/registry';
import type { Labels } from '../../obs/metrics';
import type { PeriodBlocks, StatsSnapshot } from './proxy-stats';

/**
 * The stats snapshot in Prometheus text format.
 *
 * Lifetime counts only grow, so they are counters named `…_total` and rate()
 * works on them. Values that go down are gauges: tunnels open now and at peak,
 * and every figure of the sliding 15-minute window (named `…_window_…`).
 * Time to tunnel is exported as gauges per statistic (avg, p50, p95, max):
 * the proxy keeps it in its own log-scale histogram, whose pre-binned counts
 * the registry's histogram type cannot take in.
 */
export function statsToPrometheus(snapshot: StatsSnapshot): string {
  const registry = new PrometheusRegistry();
  const uptime = registry.gauge({ name: 'warcwire_proxy_uptime_seconds', help: 'Seconds since the proxy started' });
  uptime.set(snapshot.uptimeSeconds);
  const rejected = registry.counter({ name: 'warcwire_proxy_rejected_requests_total', help: 'Requests refused before routing', labelNames: ['reason'] });
  rejected.inc({ reason: 'auth' }, snapshot.rejected.auth);
  rejected.inc({ reason: 'bad_request' }, snapshot.rejected.badRequest);
  rejected.inc({ reason: 'overload' }, snapshot.rejected.overload);
  rejected.inc({ reason: 'slow' }, snapshot.rejected.slow);
  const clients = registry.gauge({ name: 'warcwire_proxy_client_connections', help: 'Client connections open now, pending (no accepted head yet) or active', labelNames: ['state'] });
  clients.set(snapshot.clients.pending, { state: 'pending' });
  clients.set(snapshot.clients.active, { state: 'active' });

  const scopes: { prefix: string; what: string; labelNames: string[]; rows: { labels: Labels; blocks: PeriodBlocks }[] }[] = [
    { prefix: 'warcwire_proxy', what: 'all requests', labelNames: [], rows: [{ labels: {}, blocks: snapshot.overall }] },
    {
      prefix: 'warcwire_proxy_upstream',
      what: 'tunnel attempts per upstream',
      labelNames: ['upstream', 'tag'],
      rows: snapshot.upstreams.map((u) => ({ labels: { upstream: u.url, tag: u.tag ?? '' }, blocks: u })),
    },
    {
      prefix: 'warcwire_proxy_tag',
      what: 'tunnel attempts per upstream tag',
      labelNames: ['tag'],
      rows: Object.entries(snapshot.tags).map(([tag, blocks]) => ({ labels: { tag }, blocks })),
    },
  ];
  for (const scope of scopes) {
    const names = scope.labelNames;
    const p = scope.prefix;
    const w = scope.what;
    const requests = registry.counter({ name: `${p}_requests_total`, help: `Finished tunnel set-ups by outcome, ${w}`, labelNames: [...names, 'outcome'] });
    const bytes = registry.counter({ name: `${p}_bytes_total`, help: `Bytes carried (up: client to target), ${w}`, labelNames: [...names, 'direction'] });
    const open = registry.gauge({ name: `${p}_open_tunnels`, help: `Tunnels open now, ${w}`, labelNames: names });
    const peak = registry.gauge({ name: `${p}_open_tunnels_peak`, help: `Most tunnels open at once since start, ${w}`, labelNames: names });
    const ttt = registry.gauge({ name: `${p}_time_to_tunnel_seconds`, help: `Time to open a tunnel since start, ${w}`, labelNames: [...names, 'stat'] });
    const wRequests = registry.gauge({ name: `${p}_window_requests`, help: `Finished tunnel set-ups in the last 15 minutes, ${w}`, labelNames: [...names, 'outcome'] });
    const wBytes = registry.gauge({ name: `${p}_window_bytes`, help: `Bytes carried in the last 15 minutes, ${w}`, labelNames: [...names, 'direction'] });
    const wPeak = registry.gauge({ name: `${p}_window_open_tunnels_peak`, help: `Most tunnels open at once in the last 15 minutes, ${w}`, labelNames: names });
    const wTtt = registry.gauge({ name: `${p}_window_time_to_tunnel_seconds`, help: `Time to open a tunnel in the last 15 minutes, ${w}`, labelNames: [...names, 'stat'] });
    for (const row of scope.rows) {
      const labels = row.labels;
      const life = row.blocks.lifetime;
      const win = row.blocks.window;
      requests.inc({ ...labels, outcome: 'success' }, life.success);
      requests.inc({ ...labels, outcome: 'failed' }, life.failed);
      bytes.inc({ ...labels, direction: 'up' }, life.bytes.up);
      bytes.inc({ ...labels, direction: 'down' }, life.bytes.down);
      open.set(life.concurrency.current, labels);
      peak.set(life.concurrency.peak, labels);
      wRequests.set(win.success, { ...labels, outcome: 'success' });
      wRequests.set(win.failed, { ...labels, outcome: 'failed' });
      wBytes.set(win.bytes.up, { ...labels, direction: 'up' });
      wBytes.set(win.bytes.down, { ...labels, direction: 'down' });
      wPeak.set(win.concurrency.peak, labels);
      for (const stat of ['avg', 'p50', 'p95', 'max'] as const) {
        ttt.set((life.timeToTunnelMs?.[stat] ?? 0) / 1000, { ...labels, stat });
        wTtt.set((win.timeToTunnelMs?.[stat] ?? 0) / 1000, { ...labels, stat });
      }
    }
  }
  return registry.toPrometheus();
}
