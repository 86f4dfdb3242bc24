import { PrometheusRegistry } from '../../obs/registry';
import type { Labels } from '../../obs/metrics';
import type { PeriodBlocks, StatsSnapshot } from './proxy-stats';

/**
 * The stats snapshot in Prometheus text format. Every value is a gauge with a
 * `period` label (lifetime | window): lifetime counts only grow, but the window
 * ones go down, and one type for both keeps queries uniform.
 */
export function statsToPrometheus(snapshot: StatsSnapshot): string {
  const registry = new PrometheusRegistry();
  const uptime = registry.gauge({ name: 'warcwire_proxy_uptime_seconds', help: 'Seconds since the proxy started' });
  uptime.set(snapshot.uptimeSeconds);
  const rejected = registry.gauge({ name: 'warcwire_proxy_rejected_requests', help: 'Requests refused before routing', labelNames: ['reason'] });
  rejected.set(snapshot.rejected.auth, { reason: 'auth' });
  rejected.set(snapshot.rejected.badRequest, { reason: 'bad_request' });
  rejected.set(snapshot.rejected.overload, { reason: 'overload' });

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
    const names = ['period', ...scope.labelNames];
    const requests = registry.gauge({ name: `${scope.prefix}_requests`, help: `Finished tunnel set-ups, ${scope.what}`, labelNames: [...names, 'outcome'] });
    const ttt = registry.gauge({ name: `${scope.prefix}_time_to_tunnel_seconds`, help: `Time to open a tunnel, ${scope.what}`, labelNames: [...names, 'stat'] });
    const open = registry.gauge({ name: `${scope.prefix}_open_tunnels`, help: `Open tunnels now and at peak, ${scope.what}`, labelNames: [...names, 'stat'] });
    const bytes = registry.gauge({ name: `${scope.prefix}_bytes`, help: `Bytes carried, ${scope.what}`, labelNames: [...names, 'direction'] });
    for (const row of scope.rows) {
      for (const period of ['lifetime', 'window'] as const) {
        const block = row.blocks[period];
        const labels = { period, ...row.labels };
        requests.set(block.success, { ...labels, outcome: 'success' });
        requests.set(block.failed, { ...labels, outcome: 'failed' });
        for (const stat of ['avg', 'p50', 'p95', 'max'] as const) {
          ttt.set((block.timeToTunnelMs?.[stat] ?? 0) / 1000, { ...labels, stat });
        }
        open.set(block.concurrency.current, { ...labels, stat: 'current' });
        open.set(block.concurrency.peak, { ...labels, stat: 'peak' });
        bytes.set(block.bytes.up, { ...labels, direction: 'up' });
        bytes.set(block.bytes.down, { ...labels, direction: 'down' });
      }
    }
  }
  return registry.toPrometheus();
}
