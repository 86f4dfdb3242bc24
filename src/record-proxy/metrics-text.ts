import type { Labels } from '../obs/metrics';
import { PrometheusRegistry } from '../obs/registry';
import type { ExchangeCounts, RecordingProxyStats } from './stats';

/** The stats snapshot in Prometheus text format (lifetime counts are counters, open-now values gauges). */
export function recordingStatsToPrometheus(s: RecordingProxyStats): string {
  const registry = new PrometheusRegistry();
  registry.gauge({ name: 'warcwire_record_proxy_uptime_seconds', help: 'Seconds since the recording proxy started' }).set(s.uptimeSeconds);
  registry.counter({ name: 'warcwire_record_proxy_connections_total', help: 'Client connections accepted' }).inc({}, s.connections);
  const clients = registry.gauge({ name: 'warcwire_record_proxy_client_connections', help: 'Client connections open now, by state', labelNames: ['state'] });
  clients.set(s.clients.pending, { state: 'pending' });
  clients.set(s.clients.active, { state: 'active' });
  registry.counter({ name: 'warcwire_record_proxy_tunnels_total', help: 'CONNECT tunnels opened' }).inc({}, s.tunnels.opened);
  registry.counter({ name: 'warcwire_record_proxy_tls_tunnels_total', help: 'CONNECT tunnels whose TLS was intercepted' }).inc({}, s.tunnels.tls);
  registry.counter({ name: 'warcwire_record_proxy_tls_handshake_failures_total', help: 'Browser-side TLS handshakes that failed' }).inc({}, s.tunnels.failedHandshakes);
  registry.gauge({ name: 'warcwire_record_proxy_open_tunnels', help: 'CONNECT tunnels open now' }).set(s.tunnels.open);
  registry.counter({ name: 'warcwire_record_proxy_websockets_total', help: 'WebSocket upgrades spliced (frames not recorded)' }).inc({}, s.websockets);
  registry.counter({ name: 'warcwire_record_proxy_certificates_issued_total', help: 'Leaf certificates issued for the browser side' }).inc({}, s.certificatesIssued);
  const rejected = registry.counter({ name: 'warcwire_record_proxy_rejected_requests_total', help: 'Requests refused before going upstream', labelNames: ['reason'] });
  rejected.inc({ reason: 'auth' }, s.rejected.auth);
  rejected.inc({ reason: 'bad_request' }, s.rejected.badRequest);
  rejected.inc({ reason: 'overload' }, s.rejected.overload);
  rejected.inc({ reason: 'slow' }, s.rejected.slow);
  const scopes: { name: string; label?: string; rows: [Labels, ExchangeCounts][] }[] = [
    { name: 'warcwire_record_proxy', rows: [[{}, s.exchanges]] },
    { name: 'warcwire_record_proxy_prefix', label: 'prefix', rows: Object.entries(s.prefixes).map(([k, v]) => [{ prefix: k }, v]) },
    { name: 'warcwire_record_proxy_tag', label: 'tag', rows: Object.entries(s.tags).map(([k, v]) => [{ tag: k }, v]) },
  ];
  for (const scope of scopes) {
    const names = scope.label ? [scope.label] : [];
    const exchanges = registry.counter({ name: `${scope.name}_exchanges_total`, help: 'Exchanges by outcome', labelNames: [...names, 'outcome'] });
    const bytes = registry.counter({ name: `${scope.name}_bytes_total`, help: 'Body bytes relayed (up: browser to origin)', labelNames: [...names, 'direction'] });
    for (const [labels, c] of scope.rows) {
      exchanges.inc({ ...labels, outcome: 'recorded' }, c.recorded - c.revisits);
      exchanges.inc({ ...labels, outcome: 'revisit' }, c.revisits);
      exchanges.inc({ ...labels, outcome: 'failed' }, c.failed);
      exchanges.inc({ ...labels, outcome: 'discarded' }, c.discarded);
      bytes.inc({ ...labels, direction: 'up' }, c.bytes.up);
      bytes.inc({ ...labels, direction: 'down' }, c.bytes.down);
    }
  }
  return registry.toPrometheus();
}
