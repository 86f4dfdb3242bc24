import { pipeline, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { WarcClient, FetchInit } from '../client/warc-client';
import type { WarcResponse } from '../client/response';
import type { WrittenExchange } from '../client/pending-write';
import { ClientError } from '../client/errors';
import { cookieHeaderFor, storeCookies, type CookieJarLike } from './cookie-jar';
import { CrawleeAdapterError } from './errors';
import { dropHeader, hasHeader, headerPairs, mergeGenerated, namesOf, type HeaderObject } from './header-list';
import { BodyStream } from './body-stream';
import { bodyBytes, type AdapterBody } from './request-body';

/**
 * The version-independent core of the Crawlee adapter: one call (all its
 * redirect hops) through `WarcClient.fetch`, in the terms every Crawlee
 * version shares. The per-version shells (v3.ts) only map their types onto these.
 */

/** got's timeout parts, as Crawlee passes them (all in ms). */
export interface TimeoutParts {
  /** The whole call: every hop and the body, as got counts it. */
  request?: number;
  lookup?: number;
  connect?: number;
  secureConnect?: number;
  socket?: number;
  send?: number;
  response?: number;
}

/** Makes browser-like headers (header-generator's HeaderGenerator fits). */
export interface HeaderGeneratorLike {
  getHeaders(options: Record<string, unknown>): Record<string, string>;
}

/** Response headers as Node's IncomingMessage has them: lower-case names, set-cookie a list. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface AdapterRequest {
  url: string | URL;
  method?: string;
  headers?: HeaderObject;
  body?: AdapterBody;
  signal?: AbortSignal;
  timeout?: TimeoutParts;
  cookieJar?: CookieJarLike;
  followRedirect?: boolean | ((response: ResponseHead) => boolean);
  maxRedirects?: number;
  /** The route of this call; absent: the client's own proxy settings. */
  proxyUrl?: string;
  /** TLS verification of the origin for this call; absent: the client's setting. */
  verifyTls?: boolean;
  useHeaderGenerator?: boolean;
  headerGenerator?: HeaderGeneratorLike;
  headerGeneratorOptions?: Record<string, unknown>;
  /** Crawlee's session: generated headers stay the same for one session. */
  sessionToken?: object;
}

/** What Crawlee reads of a response besides its body (BaseHttpResponseData in v3). */
export interface ResponseHead {
  url: string;
  redirectUrls: URL[];
  ip?: string;
  statusCode: number;
  statusMessage?: string;
  headers: IncomingHeaders;
  trailers: IncomingHeaders;
  complete: boolean;
}

export type RedirectCallback = (response: ResponseHead, next: { url?: string | URL; headers: HeaderObject }) => void;

export interface Progress {
  percent: number;
  transferred: number;
  total?: number;
}

/** A call whose final response head has arrived; its body is `stream` (decoded as fetch decodes). */
export interface OpenedCall {
  head: ResponseHead;
  stream: Readable;
  downloadProgress: Progress;
  uploadProgress: Progress;
  /** Where the final response's pair landed. */
  written: Promise<WrittenExchange>;
}

export interface CoreOptions {
  /** Makes headers when a request asks for generated ones and brings no generator of its own. */
  headerGenerator?: HeaderGeneratorLike;
  /** See WarcHttpClientOptions.unreadBodyTimeout; 0 turns it off. */
  unreadBodyTimeout?: number;
  /** See WarcHttpClientOptions.maxUnreadBytes. */
  maxUnreadBytes?: number;
}

/**
 * How long a streamed body may wait for its first reader. Crawlee reads a page
 * it wants within the same navigation step (after the post-navigation hooks);
 * one it skips it never touches. While it waits, backpressure (DEFAULT_MAX_UNREAD_BYTES)
 * keeps its download to a few socket buffers, so this can be generous: a slow hook
 * must not lose a page.
 */
export const DEFAULT_UNREAD_BODY_TIMEOUT = 2000;

/** Body bytes kept for Crawlee before the connection waits for it to read (as got's flow control does). */
export const DEFAULT_MAX_UNREAD_BYTES = 1024 * 1024;

/** got's defaults, which Crawlee's users expect. */
const DEFAULT_MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function incomingHeaders(headers: Headers): IncomingHeaders {
  const out: IncomingHeaders = {};
  for (const [name, value] of headers) if (name !== 'set-cookie') out[name] = value;
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

function nonNegative(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CrawleeAdapterError('ERR_INVALID_REQUEST', `${what} must be a non-negative number of ms, got ${String(value)}`);
  }
  return value;
}

/**
 * The time limits of one call: `request` bounds the whole call (every hop and
 * the body, as in got); the phase parts up to the response head (lookup,
 * connect, secureConnect, send, response) bound each hop's wait for its head,
 * as their sum. `socket` (idle time) is left to the client's timeouts.idleRead.
 */
function limits(timeout: TimeoutParts | undefined): { call?: number; head?: number } {
  if (timeout === undefined) return {};
  const call = nonNegative(timeout.request, 'timeout.request');
  const parts = (['lookup', 'connect', 'secureConnect', 'send', 'response'] as const).map((k) => nonNegative(timeout[k], `timeout.${k}`));
  nonNegative(timeout.socket, 'timeout.socket');
  const given = parts.filter((p): p is number => p !== undefined);
  return { ...(call !== undefined ? { call } : {}), ...(given.length > 0 ? { head: given.reduce((a, b) => a + b, 0) } : {}) };
}

function timeoutError(what: string, ms: number, url: string): ClientError {
  return new ClientError('ERR_REQUEST_TIMEOUT', `${what} of ${url} took longer than ${ms} ms (the record, if any, keeps what arrived)`);
}

export class CrawleeCore {
  /** One set of generated headers per Crawlee session, as got-scraping keeps them. */
  private readonly sessionHeaders = new WeakMap<object, Record<string, string>>();

  constructor(
    private readonly client: WarcClient,
    private readonly options: CoreOptions = {},
  ) {}

  /**
   * Sends the request, follows redirects itself (each hop is a recorded pair,
   * `onRedirect` sees each and may change the next URL and headers) and
   * resolves when the final response head is in. Aborting (the caller's
   * signal, the call's timeout, destroying `stream`) stops the download and
   * records what arrived (`afterAbort: 'stop'`).
   */
  async open(request: AdapterRequest, onRedirect?: RedirectCallback): Promise<OpenedCall> {
    const { call, head: headLimit } = limits(request.timeout);
    const maxRedirects = request.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    if (!Number.isSafeInteger(maxRedirects) || maxRedirects < 0) {
      throw new CrawleeAdapterError('ERR_INVALID_REQUEST', `maxRedirects must be a non-negative integer, got ${String(request.maxRedirects)}`);
    }
    const abort = new AbortController();
    const stopOnCallerAbort = (): void => abort.abort(request.signal?.reason);
    if (request.signal?.aborted) stopOnCallerAbort();
    request.signal?.addEventListener('abort', stopOnCallerAbort, { once: true });
    let url = new URL(String(request.url));
    const callTimer = call === undefined || call === 0 ? undefined : setTimeout(() => abort.abort(timeoutError('the request', call, url.href)), call);
    const settle = (): void => {
      if (callTimer !== undefined) clearTimeout(callTimer);
      request.signal?.removeEventListener('abort', stopOnCallerAbort);
    };
    try {
      let method = (request.method ?? 'GET').toUpperCase();
      const { bytes, contentType } = await bodyBytes(request.body);
      let body = bytes;
      let headers = this.requestHeaders(request);
      if (contentType !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = contentType;
      const redirectUrls: URL[] = [];
      for (;;) {
        const res = await this.hop(url, method, headers, body, request, abort, headLimit);
        const head: ResponseHead = {
          url: url.href,
          redirectUrls: [...redirectUrls],
          ...(res.remoteAddress !== undefined ? { ip: res.remoteAddress } : {}),
          statusCode: res.status,
          statusMessage: res.statusText,
          headers: incomingHeaders(res.headers),
          trailers: {},
          complete: false,
        };
        if (request.cookieJar) await storeCookies(request.cookieJar, res.headers.getSetCookie(), url.href);
        const location = res.headers.get('location');
        const follow = REDIRECT_STATUSES.has(res.status) && (typeof request.followRedirect === 'function' ? request.followRedirect(head) : request.followRedirect !== false);
        if (!follow || location === null) return this.opened(res, head, body, settle, abort);
        // Read the redirect's body to its end, so that its record is whole. A body that fails
        // (cut, or not decodable) does not stop the redirect, as for got, which never reads it;
        // an abort fails the next hop.
        head.complete = await finished(res.nodeStream().resume()).then(
          () => true,
          () => false,
        );
        const next = new URL(location, url);
        redirectUrls.push(next);
        if (redirectUrls.length > maxRedirects) {
          throw new ClientError('ERR_TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects, last to ${next.href}`);
        }
        // got's rule (methodRewriting: false, as Crawlee's default client sends): only a 303 turns
        // the request into a GET without its body; a 301/302 repeats the method and body.
        if (res.status === 303 && method !== 'HEAD' && method !== 'GET') {
          method = 'GET';
          body = null;
          for (const name of ['content-type', 'content-length', 'transfer-encoding']) dropHeader(headers, name);
        }
        if (next.host !== url.host) {
          // got's rule: credentials and cookies for one host do not follow to another.
          for (const name of ['host', 'cookie', 'authorization']) dropHeader(headers, name);
        }
        const updated = { url: next as string | URL, headers };
        onRedirect?.(head, updated);
        url = new URL(String(updated.url ?? next));
        headers = updated.headers;
      }
    } catch (err) {
      settle();
      throw err;
    }
  }

  /** The caller's headers, merged into generated ones when the request asks for them (Crawlee's default). */
  private requestHeaders(request: AdapterRequest): HeaderObject {
    const given: HeaderObject = { ...(request.headers ?? {}) };
    const generator = request.headerGenerator ?? this.options.headerGenerator;
    if (request.useHeaderGenerator === false || generator === undefined) return given;
    const make = (): Record<string, string> => generator.getHeaders({ httpVersion: '1', ...request.headerGeneratorOptions });
    let generated: Record<string, string>;
    if (request.sessionToken !== undefined) {
      generated = this.sessionHeaders.get(request.sessionToken) ?? make();
      this.sessionHeaders.set(request.sessionToken, generated);
    } else {
      generated = make();
    }
    return mergeGenerated(generated, given);
  }

  private async hop(url: URL, method: string, headers: HeaderObject, body: Buffer | null, request: AdapterRequest, abort: AbortController, headLimit: number | undefined): Promise<WarcResponse> {
    const pairs = headerPairs(headers);
    if (request.cookieJar && namesOf(headers, 'cookie').length === 0) {
      const cookie = await cookieHeaderFor(request.cookieJar, url.href);
      if (cookie !== '') pairs.push(['cookie', cookie]);
    }
    const init: FetchInit = {
      method,
      headers: pairs,
      body,
      signal: abort.signal,
      followRedirects: false,
      decompressBody: true,
      afterAbort: 'stop',
      maxUnreadBytes: this.options.maxUnreadBytes ?? DEFAULT_MAX_UNREAD_BYTES,
      ...(request.proxyUrl !== undefined ? { proxy: request.proxyUrl } : {}),
      ...(request.verifyTls !== undefined ? { tls: { verify: request.verifyTls } } : {}),
    };
    const headTimer = headLimit === undefined || headLimit === 0 ? undefined : setTimeout(() => abort.abort(timeoutError('the response head', headLimit, url.href)), headLimit);
    try {
      return await this.client.fetch(url, init);
    } finally {
      if (headTimer !== undefined) clearTimeout(headTimer);
    }
  }

  private opened(res: WarcResponse, head: ResponseHead, body: Buffer | null, settle: () => void, abort: AbortController): OpenedCall {
    const length = Number(res.headers.get('content-length'));
    const encoded = res.headers.get('content-encoding');
    const total = Number.isSafeInteger(length) && (encoded === null || encoded === 'identity') ? length : undefined;
    const downloadProgress: Progress = { percent: total === 0 ? 1 : 0, transferred: 0, ...(total !== undefined ? { total } : {}) };
    const sent = body?.length ?? 0;
    const uploadProgress: Progress = { percent: 1, transferred: sent, total: sent };
    const counter = new BodyStream((chunk) => {
      downloadProgress.transferred += chunk.length;
      if (total !== undefined && total > 0) downloadProgress.percent = Math.min(1, downloadProgress.transferred / total);
    });
    this.stopIfUnread(counter, abort, head.url);
    pipeline(res.nodeStream(), counter, (err) => {
      settle();
      if (err) {
        // The caller let go of the body (or it failed): stop the download, keep what arrived.
        if (!abort.signal.aborted) abort.abort(err);
        return;
      }
      head.complete = true;
      downloadProgress.percent = 1;
      downloadProgress.total ??= downloadProgress.transferred;
    });
    counter.watchCaller();
    return { head, stream: counter, downloadProgress, uploadProgress, written: res.written };
  }

  /**
   * Stops the download of a body nobody starts reading in time: Crawlee 3
   * leaves the stream of a response it skips (a type it does not parse) unread
   * and never closes it. got would stall it by TCP flow control; the capture
   * reads on for the record, so the adapter stops it instead and the record
   * keeps what arrived (`WARC-Truncated: length`).
   */
  private stopIfUnread(stream: Readable, abort: AbortController, url: string): void {
    const ms = this.options.unreadBodyTimeout ?? DEFAULT_UNREAD_BODY_TIMEOUT;
    if (ms === 0) return;
    const timer = setTimeout(() => {
      abort.abort(new CrawleeAdapterError('ERR_BODY_UNREAD', `nobody read the body of ${url} within ${ms} ms of its head, so its download was stopped (unreadBodyTimeout)`));
    }, ms);
    const reading = (event: string | symbol): void => {
      if (event === 'data' || event === 'readable') stop();
    };
    const stop = (): void => {
      clearTimeout(timer);
      stream.off('newListener', reading);
    };
    stream.on('newListener', reading);
    stream.once('resume', stop);
    stream.once('close', stop);
  }
}
