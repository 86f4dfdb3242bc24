/** What dedupe saved, read back from the built-in registry (for the CLI summary). */
import { METRICS } from '../obs/metric-names';
import type { PrometheusRegistry } from '../obs/registry';
import type { DedupeSource } from './types';

export interface DedupeSavings {
  records: number;
  bytes: number;
  bySource: Record<DedupeSource, { records: number; bytes: number }>;
  /** Remote lookups that failed (the full record was stored instead). */
  lookupErrors: number;
}

const NAMES: Record<DedupeSource, readonly [string, string]> = {
  local: [METRICS.localDedupedTotal.name, METRICS.localDedupedBytesTotal.name],
  redis: [METRICS.redisDedupedTotal.name, METRICS.redisDedupedBytesTotal.name],
  doppelganger: [METRICS.doppelgangerDedupedTotal.name, METRICS.doppelgangerDedupedBytesTotal.name],
  cdx: [METRICS.cdxDedupedTotal.name, METRICS.cdxDedupedBytesTotal.name],
};

export function dedupeSavings(registry: PrometheusRegistry): DedupeSavings {
  const bySource = {} as DedupeSavings['bySource'];
  let records = 0;
  let bytes = 0;
  for (const source of Object.keys(NAMES) as DedupeSource[]) {
    const [countName, bytesName] = NAMES[source];
    const entry = { records: registry.total(countName), bytes: registry.total(bytesName) };
    bySource[source] = entry;
    records += entry.records;
    bytes += entry.bytes;
  }
  return { records, bytes, bySource, lookupErrors: registry.total(METRICS.dedupeLookupErrors.name) };
}
