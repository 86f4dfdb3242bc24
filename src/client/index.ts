export { WarcClient, type FetchInit, type ClientStats } from './warc-client';
export { WarcResponse, type RedirectHop } from './response';
export { CapturingDispatcher } from './capturing-dispatcher';
export { ClientError, DiscardedError, type ClientErrorCode } from './errors';
export type { WrittenExchange } from './pending-write';
export type { RecorderStats } from './recorder';
export type { WarcClientSettings, TimeoutSettings, DiscardHook, DiscardHookInput } from './settings';
export { DEFAULT_USER_AGENT } from './user-agent';
