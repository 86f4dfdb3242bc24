/** The recording proxy: a browser's traffic, TLS intercepted, recorded through a WarcClient. */
export { createRecordingProxy, type RecordingProxy, type RecordingReloadResult } from './recording-proxy';
export { RecordingProxyError, type RecordingProxyErrorCode } from './errors';
export { DEFAULT_RECORDING_PROXY } from '../defaults';
export type { RecordingProxySettings, RecordingProxyLimits } from './settings';
export { META_HEADER, type ExchangeMeta } from './meta';
export type { RecordingProxyStats, ExchangeCounts } from './stats';
