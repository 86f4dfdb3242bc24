/**
 * The public API of warcwire: what a library user needs, grouped by layer.
 * Everything else (framers, round-robin, cooldowns, log-event catalogue, config-file
 * watchers, CDXJ line formatting, the js backend object) is internal and may change;
 * test/warc/public-api.test.ts pins this list so a leak is a deliberate change.
 */

// Errors: the base class; every other error class is exported with its layer below.
export { WarcwireError } from './errors';

// Backends (src/backend): native addon or pure JS, chosen by WARCWIRE_BACKEND.
export { loadBackend } from './backend';
export { BackendError } from './backend/errors';
export type { BackendErrorCode } from './backend/errors';
export type * from './backend/types';

// Observability (src/obs): logger contract, metrics registry, prom-client adapter, /metrics server.
export type { Logger, LogFields, LogLevel } from './obs/logger';
export { silentLogger } from './obs/logger';
export { jsonLogger } from './obs/json-logger';
export type { JsonLoggerOptions } from './obs/json-logger';
export type * from './obs/metrics';
export { PrometheusRegistry, createMetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './obs/registry';
export type { ScrapableRegistry, MetricSnapshot, SeriesSnapshot, HistogramSeriesSnapshot, MetricKind } from './obs/registry';
export { METRICS } from './obs/metric-names';
export type { MetricDefinition, MetricKey } from './obs/metric-names';
export { promClientRegistry } from './obs/prom-client-adapter';
export type { PromClientLike, PromRegistryLike, PromMetricConfig, PromCounterLike, PromGaugeLike, PromHistogramLike } from './obs/prom-client-adapter';
export { createMetricsServer } from './obs/metrics-server';
export type { MetricsServer, MetricsServerOptions } from './obs/metrics-server';
export { MetricsError } from './obs/errors';

// WARC files (src/warc): write, read, verify, check, index, mend, recompress.
export { WarcWriter } from './warc/write/writer';
export type { WarcWriterOptions, WrittenRecord } from './warc/write/writer';
export { newRecordId, WARC_RECORD_TYPES } from './warc/record';
export type { WarcRecord, WarcRecordType } from './warc/record';
export { WarcReader, ReadRecord } from './warc/read/reader';
export type { WarcReaderOptions, WarcSource, ReadRecordType } from './warc/read/reader';
export type { ReadIssue, ReadIssueSeverity, IssueSink } from './warc/read/read-issues';
export type { HttpHead } from './http/head';
export type { PayloadOptions } from './warc/read/payload';
export { verifyRecord } from './warc/tools/verify';
export type { VerifyOutcome, DigestOutcome } from './warc/tools/verify';
export { checkFile, formatIssue } from './warc/tools/check';
export type { CheckReport, CheckOptions, CheckedRecord } from './warc/tools/check';
export { indexFile } from './warc/tools/indexer';
export type { IndexOptions } from './warc/tools/indexer';
export { surt } from './warc/cdxj';
export { planMend, applyMend } from './warc/tools/mend';
export type { MendPlan } from './warc/tools/mend';
export { recompress } from './warc/tools/recompress';
export type { RecompressOptions } from './warc/tools/recompress';
export { WarcError } from './warc/errors';
export type { WarcErrorCode } from './warc/errors';

// HTTP heads (src/http): the types the client settings and hooks use, and the parse error.
export { HttpParseError } from './http/index';
export type { HttpParseErrorCode, RequestHead, ResponseHead, HeaderList } from './http/index';

// Network (src/net): dialing directly or through a pool of proxies.
export { Dialer } from './net/dialer';
export type { DialTarget, DialOptions, DialResult, DialerOptions } from './net/dialer';
export { ProxyPool } from './net/proxy-pool';
export type { ProxyEntry, ProxyType, ProxyNetwork, ProxyStats } from './net/proxy-pool';
export type { ProxyScheme } from './net/proxy-connect';
export type { CooldownOptions } from './net/cooldown';
export type { DnsCapture, DnsOptions, ResolvedAddresses } from './net/dns-types';
export type { TlsOptions } from './net/tls-options';
export { NetError, ProxyError, DnsError } from './net/errors';
export type { NetErrorCode, ProxyErrorCode, DnsErrorCode } from './net/errors';

// Deduplication (src/dedupe): the index the client consults, and revisit records.
export { createDedupeIndex } from './dedupe/dedupe-index';
export type { DedupeCandidate, DedupeConfig, DedupeHit, DedupeIndex, DedupeSource } from './dedupe/types';
export {
  buildRevisitRecord,
  buildNotModifiedRevisit,
  isNotModifiedAnswer,
  IDENTICAL_PAYLOAD_PROFILE,
  SERVER_NOT_MODIFIED_PROFILE,
} from './dedupe/revisit';
export type { RevisitInput, NotModifiedInput } from './dedupe/revisit';
export { DedupeError } from './dedupe/errors';
export type { DedupeErrorCode } from './dedupe/errors';

// Capturing HTTP client (src/client, src/capture).
export { WarcClient, WarcResponse, CapturingDispatcher, DEFAULT_USER_AGENT } from './client/index';
export type {
  FetchInit,
  ClientStats,
  RedirectHop,
  WrittenExchange,
  RecorderStats,
  WarcClientSettings,
  TimeoutSettings,
  DiscardHook,
  DiscardHookInput,
  WarcDispatchOptions,
  RequestControls,
  AfterAbort,
  CapturingHttpAgent,
  CapturingHttpsAgent,
  AgentOptions,
  AgentPair,
} from './client/index';
export { ClientError, DiscardedError, RETRY_ERROR_CODES } from './client/index';
export type { ClientErrorCode } from './client/index';
export type { TruncationReason } from './capture/exchange';
export { CaptureError } from './capture/errors';
export type { CaptureErrorCode } from './capture/errors';

// Proxy servers (src/proxy): the forward proxy with upstream balancing, and the fault-injecting proxy.
export { createForwardProxy } from './proxy/forward/forward-proxy';
export type { ForwardProxy, ForwardProxyOptions, ReloadResult } from './proxy/forward/forward-proxy';
export type { ForwardProxyConfig, ForwardProxyConfigInput, UpstreamInput, HealthInput, Upstream } from './proxy/forward/config';
export type { StatsSnapshot, UpstreamStatsEntry, PeriodBlocks } from './proxy/forward/proxy-stats';
export type { TrafficBlock } from './proxy/forward/scope-stats';
export type { LatencySummary } from './proxy/forward/latency-histogram';
export { createFaultyProxy } from './proxy/faulty/faulty-proxy';
export type { FaultyProxy, FaultyProxyCounters } from './proxy/faulty/faulty-proxy';
export type { FaultSpec, FaultKind, FaultPhase, FaultyProxyOptions } from './proxy/faulty/options';
export { ProxyServerError } from './proxy/errors';
export type { ProxyServerErrorCode } from './proxy/errors';

// TLS interception's certificates (src/certs): the CA (generated or the user's) and the per-host leaf issuer.
export { loadCertificateAuthority, CertificateAuthority, LeafIssuer, CertificateError, defaultCaDirectory } from './certs/index';
export type { CaSource, LeafIssuerOptions, CertificateErrorCode } from './certs/index';

// Recording proxy (src/record-proxy): a browser's traffic, TLS intercepted, recorded through a WarcClient.
export { createRecordingProxy, RecordingProxyError } from './record-proxy/index';
export type {
  RecordingProxy,
  RecordingReloadResult,
  RecordingProxyErrorCode,
  RecordingProxySettings,
  RecordingProxyLimits,
  ExchangeMeta,
  RecordingProxyStats,
  ExchangeCounts,
} from './record-proxy/index';
