import { WarcwireError } from '../errors';

export type CrawleeAdapterErrorCode =
  | 'ERR_HTTP_STATUS' // throwHttpErrors is on and the final response is 4xx/5xx
  | 'ERR_PROXY_CONNECTION_FAILED' // the proxy of this request failed (cause: the ProxyError); Crawlee retires the session
  | 'ERR_BODY_UNREAD' // a streamed body had no reader within unreadBodyTimeout: its download was stopped
  | 'ERR_RESPONSE_PARSE' // responseType 'json' and the body is not JSON
  | 'ERR_REQUEST_BODY' // the request body is of a kind the adapter cannot send (or reading it failed)
  | 'ERR_INVALID_REQUEST'; // an option of the Crawlee request is out of range or of the wrong type

/** What the Crawlee adapter throws for a request it cannot send or an answer the caller refused. */
export class CrawleeAdapterError extends WarcwireError {
  declare readonly code: CrawleeAdapterErrorCode;
  /** For ERR_HTTP_STATUS: the status of the response that was refused (its pair is recorded). */
  readonly statusCode?: number;
  constructor(code: CrawleeAdapterErrorCode, message: string, options?: { cause?: unknown; statusCode?: number }) {
    super(code, message, options);
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode;
  }
}
