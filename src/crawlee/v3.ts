import type { BaseHttpClient, HttpRequest, HttpResponse, RedirectHandler, ResponseTypes, StreamingHttpResponse } from '@crawlee/core';
import { buffer as readBuffer } from 'node:stream/consumers';
import type { WarcClient } from '../client/warc-client';
import { ClientError } from '../client/errors';
import { ProxyError } from '../net/errors';
import type { CookieJarLike } from './cookie-jar';
import { CrawleeAdapterError } from './errors';
import { CrawleeCore, type AdapterRequest, type HeaderGeneratorLike, type OpenedCall, type TimeoutParts } from './exchange';
import type { AdapterBody } from './request-body';

export interface WarcHttpClientOptions {
  /**
   * Makes browser-like request headers for requests that do not turn
   * `useHeaderGenerator` off and bring no `headerGenerator` of their own, as
   * Crawlee's default got-scraping client does (e.g. `new HeaderGenerator()`
   * from the `header-generator` package). Without one, requests carry exactly
   * the headers Crawlee gives (plus the client's User-Agent when none is given).
   */
  headerGenerator?: HeaderGeneratorLike;
  /**
   * Ms a body returned by `stream()` may wait for its first reader before its
   * download is stopped and recorded as it is (`WARC-Truncated: length`); 0: never.
   * Crawlee 3 leaves the body of a response it skips (not HTML/XML/JSON) unread
   * and open; meanwhile backpressure (`maxUnreadBytes`) holds its download to a
   * few socket buffers. Default 2000.
   */
  unreadBodyTimeout?: number;
  /**
   * Body bytes kept for Crawlee before the connection waits for it to read
   * (RequestControls.maxUnreadBytes). Default 1 MiB.
   */
  maxUnreadBytes?: number;
}

/** TLS verification as Crawlee 3 asks for it: `https.rejectUnauthorized` (HttpCrawler's `!ignoreSslErrors`) or `ignoreSslErrors`. */
function verifyTls(request: HttpRequest<keyof ResponseTypes>): boolean | undefined {
  const https = request.https as { rejectUnauthorized?: unknown } | undefined;
  if (typeof https?.rejectUnauthorized === 'boolean') return https.rejectUnauthorized;
  if (typeof request.ignoreSslErrors === 'boolean') return !request.ignoreSslErrors;
  return undefined;
}

/** Crawlee 3's HttpRequest in the core's terms. */
function adapterRequest(request: HttpRequest<keyof ResponseTypes>): AdapterRequest {
  const verify = verifyTls(request);
  return {
    url: request.url,
    ...(request.method !== undefined ? { method: request.method } : {}),
    ...(request.headers !== undefined ? { headers: request.headers } : {}),
    ...(request.body !== undefined ? { body: request.body as AdapterBody } : {}),
    ...(request.signal !== undefined ? { signal: request.signal } : {}),
    ...(request.timeout !== undefined ? { timeout: request.timeout as TimeoutParts } : {}),
    ...(request.cookieJar !== undefined ? { cookieJar: request.cookieJar as CookieJarLike } : {}),
    ...(request.followRedirect !== undefined ? { followRedirect: request.followRedirect } : {}),
    ...(request.maxRedirects !== undefined ? { maxRedirects: request.maxRedirects } : {}),
    ...(request.proxyUrl !== undefined ? { proxyUrl: request.proxyUrl } : {}),
    ...(verify !== undefined ? { verifyTls: verify } : {}),
    ...(request.useHeaderGenerator !== undefined ? { useHeaderGenerator: request.useHeaderGenerator } : {}),
    ...(request.headerGenerator !== undefined ? { headerGenerator: request.headerGenerator } : {}),
    ...(request.headerGeneratorOptions !== undefined ? { headerGeneratorOptions: request.headerGeneratorOptions } : {}),
    ...(request.sessionToken !== undefined ? { sessionToken: request.sessionToken } : {}),
  };
}

function typedBody(bytes: Buffer, responseType: keyof ResponseTypes, encoding: BufferEncoding, url: string): ResponseTypes[keyof ResponseTypes] {
  if (responseType === 'buffer') return bytes;
  const text = bytes.toString(encoding);
  if (responseType === 'text') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CrawleeAdapterError('ERR_RESPONSE_PARSE', `the body of ${url} is not JSON (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Crawlee 3's BaseHttpClient over a WarcClient: every request Crawlee makes
 * (every redirect hop, every retry) is recorded as a WARC request/response pair.
 * `new CheerioCrawler({ httpClient: new WarcHttpClient(warc), … })`.
 */
export class WarcHttpClient implements BaseHttpClient {
  private readonly core: CrawleeCore;

  constructor(warc: WarcClient, options: WarcHttpClientOptions = {}) {
    const ms = options.unreadBodyTimeout;
    if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
      throw new ClientError('ERR_INVALID_SETTING', `unreadBodyTimeout must be a non-negative number of ms, got ${String(ms)}`);
    }
    const unread = options.maxUnreadBytes;
    if (unread !== undefined && !(typeof unread === 'number' && Number.isSafeInteger(unread) && unread >= 0)) {
      throw new ClientError('ERR_INVALID_SETTING', `maxUnreadBytes must be a non-negative integer, got ${String(unread)}`);
    }
    this.core = new CrawleeCore(warc, options);
  }

  async sendRequest<TResponseType extends keyof ResponseTypes = 'text'>(request: HttpRequest<TResponseType>): Promise<HttpResponse<TResponseType>> {
    const call = await this.open(request);
    const bytes = await readBuffer(call.stream);
    const { head } = call;
    if (request.throwHttpErrors === true && head.statusCode >= 400) {
      throw new CrawleeAdapterError('ERR_HTTP_STATUS', `${head.url} answered ${head.statusCode} ${head.statusMessage ?? ''}`.trim(), { statusCode: head.statusCode });
    }
    const responseType = request.responseType ?? 'text';
    const body = typedBody(bytes, responseType, request.encoding ?? 'utf8', head.url) as ResponseTypes[TResponseType];
    return { ...head, complete: true, body, request };
  }

  /**
   * Crawlee 3 retires a session (and so its proxy) on an error whose message
   * names a proxy failure (its ROTATE_PROXY_ERRORS, Chrome's net error names),
   * as got's errors do; a warcwire ProxyError is passed on in those words.
   */
  private async open(request: HttpRequest<keyof ResponseTypes>, onRedirect?: RedirectHandler): Promise<OpenedCall> {
    try {
      return await this.core.open(adapterRequest(request), onRedirect);
    } catch (err) {
      if (err instanceof ProxyError && err.code !== 'ERR_ABORTED') {
        throw new CrawleeAdapterError('ERR_PROXY_CONNECTION_FAILED', `ERR_PROXY_CONNECTION_FAILED: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  async stream(request: HttpRequest, onRedirect?: RedirectHandler): Promise<StreamingHttpResponse> {
    const call = await this.open(request, onRedirect);
    const { head, stream } = call;
    // `complete` turns true when the body has ended, as on got's response.
    return Object.defineProperties({ ...head, stream, request } as unknown as StreamingHttpResponse, {
      complete: { get: () => head.complete, enumerable: true },
      downloadProgress: { get: () => call.downloadProgress, enumerable: true },
      uploadProgress: { get: () => call.uploadProgress, enumerable: true },
    });
  }
}
