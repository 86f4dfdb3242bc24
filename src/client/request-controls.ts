import { isIP } from 'node:net';
import { dedupeBucketProblem } from '../dedupe/candidate';
import { parseProxyUrl } from '../net/proxy-connect';
import { ClientError } from './errors';

/**
 * What happens to the capture when the caller aborts after the response head
 * (an AbortSignal, `cancel()`/`destroy()` on the body, a dropped http request):
 * - `'stop'`: the connection is closed at once and what arrived is recorded,
 *   marked `WARC-Truncated: length` (a crawler that skips a 50 MB binary stops
 *   downloading it);
 * - `'finish'`: the response is read on to its end (up to maxResponseBytes) for
 *   the archive, while the caller is already released.
 */
export type AfterAbort = 'stop' | 'finish';

export const AFTER_ABORT: readonly AfterAbort[] = ['stop', 'finish'];

/**
 * What one request may change about how it is sent and captured. Every entry
 * point takes these: `client.fetch`, `client.dispatcher` (per dispatch), the
 * http(s) agents and the Crawlee adapter. Absent fields keep the client's settings.
 */
export interface RequestControls {
  /**
   * The route of this request: a proxy URL (http, https, socks4, socks4a, socks5,
   * socks5h; credentials allowed, never logged), or `null` to connect directly.
   * Absent: the client's proxy pool (with `proxyType`).
   */
  proxy?: string | null;
  /** Proxy type for the pool's selection when `proxy` is absent. */
  proxyType?: string;
  /** TLS to the origin: `verify: false` accepts any certificate for this request. */
  tls?: { verify?: boolean };
  /** Source address of a direct connection (an IP literal of this machine). */
  localAddress?: string;
  /** Bytes of the response body recorded; past it `WARC-Truncated: length`. */
  maxResponseBytes?: number;
  /** See AfterAbort. Default: the client's `afterAbort` ('stop'). */
  afterAbort?: AfterAbort;
  /**
   * Body bytes kept for a caller that has not taken them yet before the connection waits
   * for it (TCP backpressure, as plain undici does). Default: maxResponseBytes, so the
   * capture runs ahead of a slow caller (spooling to disk). A small value stops a download
   * nobody reads after a few socket buffers, e.g. a response a crawler skips without
   * closing it. Ignored by the http(s) agents (node's own backpressure applies there).
   */
  maxUnreadBytes?: number;
  /**
   * The dedupe bucket of this exchange (with a client `dedupe` index): its payload becomes a
   * revisit only of one archived in the same bucket. Absent: the shared, bucket-less table.
   * Not a connection control: requests of different buckets share sockets.
   */
  dedupeBucket?: string;
}

/** The controls that change the connection: requests whose keys differ never share a socket. */
export interface ConnectionControls {
  proxy?: string | null;
  proxyType?: string;
  verify?: boolean;
  localAddress?: string;
}

export function connectionControls(c: RequestControls): ConnectionControls {
  return {
    ...(c.proxy !== undefined ? { proxy: c.proxy } : {}),
    ...(c.proxyType !== undefined ? { proxyType: c.proxyType } : {}),
    ...(c.tls?.verify !== undefined ? { verify: c.tls.verify } : {}),
    ...(c.localAddress !== undefined ? { localAddress: c.localAddress } : {}),
  };
}

/**
 * The pool key of a connection to `origin` with these controls. A proxy URL is
 * keyed whole (credentials included: two sessions with different proxy users
 * are different routes) and never shown: the key is not for logs.
 */
export function connectionKey(origin: string, c: ConnectionControls): string {
  return JSON.stringify([origin, c.proxy === undefined ? 'pool' : c.proxy, c.proxyType ?? '', c.verify ?? '', c.localAddress ?? '']);
}

function invalid(where: string, what: string): ClientError {
  return new ClientError('ERR_INVALID_SETTING', `${where}: ${what}`);
}

/**
 * Checks controls given by a caller (ClientError ERR_INVALID_SETTING naming the
 * field) and returns a copy with only the known fields. A proxy URL is parsed
 * as the dialer will (scheme, host), so a bad one fails here, not at the first dial.
 */
export function checkRequestControls(value: unknown, where: string): RequestControls {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw invalid(where, `request controls must be an object, got ${typeof value}`);
  const c = value as Record<string, unknown>;
  const out: RequestControls = {};
  if (c.proxy !== undefined) {
    if (c.proxy !== null && typeof c.proxy !== 'string') throw invalid(where, 'proxy must be a proxy URL string or null (direct)');
    if (c.proxy !== null) {
      try {
        parseProxyUrl(c.proxy);
      } catch (err) {
        // The dialer's message, which never shows the proxy's password.
        throw new ClientError('ERR_INVALID_SETTING', `${where}: proxy: ${(err as Error).message}`, { cause: err });
      }
    }
    out.proxy = c.proxy;
  }
  if (c.proxyType !== undefined) {
    if (typeof c.proxyType !== 'string') throw invalid(where, 'proxyType must be a string');
    out.proxyType = c.proxyType;
  }
  if (c.tls !== undefined) {
    const t = c.tls as Record<string, unknown> | null;
    if (t === null || typeof t !== 'object') throw invalid(where, 'tls must be an object like { verify: false }');
    if (t.verify !== undefined && typeof t.verify !== 'boolean') throw invalid(where, 'tls.verify must be a boolean');
    out.tls = t.verify === undefined ? {} : { verify: t.verify };
  }
  if (c.localAddress !== undefined) {
    if (typeof c.localAddress !== 'string' || isIP(c.localAddress) === 0) throw invalid(where, 'localAddress must be an IP address of this machine');
    out.localAddress = c.localAddress;
  }
  if (c.maxResponseBytes !== undefined) {
    const n = c.maxResponseBytes;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid(where, `maxResponseBytes must be a non-negative integer, got ${String(n)}`);
    out.maxResponseBytes = n;
  }
  if (c.maxUnreadBytes !== undefined) {
    const n = c.maxUnreadBytes;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid(where, `maxUnreadBytes must be a non-negative integer, got ${String(n)}`);
    out.maxUnreadBytes = n;
  }
  if (c.dedupeBucket !== undefined) {
    const problem = dedupeBucketProblem(c.dedupeBucket);
    if (problem !== undefined) throw invalid(where, `dedupeBucket ${problem}`);
    out.dedupeBucket = c.dedupeBucket as string;
  }
  if (c.afterAbort !== undefined) {
    if (!AFTER_ABORT.includes(c.afterAbort as AfterAbort)) throw invalid(where, `afterAbort must be 'stop' or 'finish', got ${JSON.stringify(c.afterAbort)}`);
    out.afterAbort = c.afterAbort as AfterAbort;
  }
  return out;
}
