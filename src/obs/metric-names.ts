/**
 * Every metric warcwire reports, in one place, so each module registers the same name,
 * help text and label set. Use a definition directly as the options argument:
 *
 *   registry.counter(METRICS.proxyRequests).inc({ proxy: name });
 *   registry.gauge(METRICS.writerQueueDepth).set(queue.length);
 *
 * The first ten names are the ones gowarc reports (seeds 000/001); keep them unchanged
 * so existing dashboards keep working. Byte counts are in bytes, durations in seconds.
 */
import type { HistogramOptions } from './metrics';

export interface MetricDefinition extends HistogramOptions {
  kind: 'counter' | 'gauge' | 'histogram';
  labelNames: readonly string[];
}

function def(kind: MetricDefinition['kind'], name: string, help: string, labelNames: readonly string[] = []): MetricDefinition {
  return Object.freeze({ kind, name, help, labelNames: Object.freeze([...labelNames]) });
}

/** Values of the `kind` label of `errors_total`. */
export type ErrorKind = 'dns' | 'connect' | 'proxy' | 'tls' | 'http' | 'timeout' | 'write' | 'digest' | 'discard_hook' | 'other';

export const METRICS = Object.freeze({
  // --- gowarc's names --------------------------------------------------------------
  /** Bytes appended to WARC files (compressed, as on disk). Incremented by the writer. */
  totalDataWritten: def('counter', 'total_data_written', 'Bytes written to WARC files, as stored on disk'),
  localDedupedTotal: def('counter', 'local_deduped_total', 'Responses stored as revisits because the local table knew their payload'),
  localDedupedBytesTotal: def('counter', 'local_deduped_bytes_total', 'Payload bytes not stored thanks to the local dedupe table'),
  doppelgangerDedupedTotal: def('counter', 'doppelganger_deduped_total', 'Responses stored as revisits because Doppelganger knew their payload'),
  doppelgangerDedupedBytesTotal: def('counter', 'doppelganger_deduped_bytes_total', 'Payload bytes not stored thanks to Doppelganger'),
  cdxDedupedTotal: def('counter', 'cdx_deduped_total', 'Responses stored as revisits because the CDX server knew their payload'),
  cdxDedupedBytesTotal: def('counter', 'cdx_deduped_bytes_total', 'Payload bytes not stored thanks to the CDX server'),
  proxyRequests: def('counter', 'proxy_requests_total', 'Connections routed through each proxy', ['proxy']),
  proxyErrors: def('counter', 'proxy_errors_total', 'Failed connections through each proxy', ['proxy']),
  proxyLastUsed: def('gauge', 'proxy_last_used_nanoseconds', 'Unix time in nanoseconds when each proxy was last selected', ['proxy']),

  // --- dedupe beyond gowarc ----------------------------------------------------------
  redisDedupedTotal: def('counter', 'redis_deduped_total', 'Responses stored as revisits because the shared Redis table knew their payload'),
  redisDedupedBytesTotal: def('counter', 'redis_deduped_bytes_total', 'Payload bytes not stored thanks to the shared Redis table'),
  /** source: redis | doppelganger | cdx; reason: timeout | http_status | network | bad_response */
  dedupeLookupErrors: def('counter', 'dedupe_lookup_errors_total', 'Remote dedupe lookups that failed; the full record was stored', ['source', 'reason']),
  dedupeLookupDuration: def('histogram', 'dedupe_lookup_duration_seconds', 'Time spent asking a remote dedupe service', ['source']),

  // --- client ------------------------------------------------------------------------
  requests: def('counter', 'requests_total', 'HTTP requests started by the client'),
  /** kind: see ErrorKind. */
  errors: def('counter', 'errors_total', 'Errors by kind', ['kind']),
  requestDuration: def('histogram', 'request_duration_seconds', 'Time from request start to the end of the response body'),
  bytesSent: def('counter', 'bytes_sent_total', 'Bytes sent to servers or proxies (on the wire, after TLS is removed)'),
  bytesReceived: def('counter', 'bytes_received_total', 'Bytes received from servers or proxies (on the wire, after TLS is removed)'),

  // --- DNS ---------------------------------------------------------------------------
  dnsQueries: def('counter', 'dns_queries_total', 'DNS lookups sent to a resolver'),
  dnsCacheHits: def('counter', 'dns_cache_hits_total', 'DNS lookups answered from the cache'),

  // --- writer ------------------------------------------------------------------------
  /** type: the WARC-Type written (response, request, revisit, resource, metadata, warcinfo...). */
  recordsWritten: def('counter', 'records_written_total', 'WARC records written, by WARC-Type', ['type']),
  filesWritten: def('counter', 'files_written_total', 'WARC files opened'),
  writerQueueDepth: def('gauge', 'writer_queue_depth', 'Record batches waiting for a writer'),

  // --- spool -------------------------------------------------------------------------
  spoolBytesRam: def('gauge', 'spool_ram_bytes', 'Bytes of captured traffic currently held in memory'),
  spoolBytesDisk: def('gauge', 'spool_disk_bytes', 'Bytes of captured traffic currently spilled to temporary files'),
});

export type MetricKey = keyof typeof METRICS;
