/** The proxy servers: forward proxy with upstream balancing, and the fault-injecting proxy. */
export { ProxyServerError, type ProxyServerErrorCode } from './errors';
export {
  createForwardProxy,
  type ForwardProxy,
  type ForwardProxyOptions,
  type ReloadResult,
} from './forward/forward-proxy';
export {
  parseForwardProxyConfig,
  type ForwardProxyConfig,
  type ForwardProxyConfigInput,
  type UpstreamInput,
  type HealthInput,
  type Upstream,
} from './forward/config';
export { readConfigFile, reloadFromFile, watchConfigFile } from './forward/config-file';
export { TAG_HEADER, TAG_SUFFIX } from './forward/auth';
export type { StatsSnapshot, UpstreamStatsEntry, PeriodBlocks } from './forward/proxy-stats';
export type { TrafficBlock } from './forward/scope-stats';
export type { LatencySummary } from './forward/latency-histogram';
export { createFaultyProxy, type FaultyProxy, type FaultyProxyCounters } from './faulty/faulty-proxy';
export type { FaultSpec, FaultKind, FaultPhase, FaultyProxyOptions } from './faulty/options';
