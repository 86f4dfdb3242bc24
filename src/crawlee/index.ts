/**
 * `warcwire/crawlee`: the Crawlee adapter. Only this entry point refers to
 * Crawlee (as types); `warcwire` itself never loads it.
 */
export { WarcHttpClient, type WarcHttpClientOptions } from './v3';
export { CrawleeAdapterError, type CrawleeAdapterErrorCode } from './errors';
export type { HeaderGeneratorLike } from './exchange';
