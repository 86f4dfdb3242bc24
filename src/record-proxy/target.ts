import type { IncomingMessage } from 'node:http';
import type { WarcClient } from '../client/warc-client';
import { parseAbsoluteHttpUrl, urlTarget } from '../proxy/request-target';
import type { ExchangeMeta } from './meta';

/** What an intercepted CONNECT tunnel leads to; the requests inside it are origin-form. */
export interface Tunnel {
  scheme: 'http' | 'https';
  /** `host:port` as the CONNECT asked for it (IPv6 in brackets). */
  authority: string;
  /** Host without brackets. */
  host: string;
  /** From the CONNECT's Warcwire-Meta: the default of every exchange in the tunnel. */
  meta: ExchangeMeta;
}

export type OriginResult =
  | { ok: true; origin: string; path: string; host: string; hostFromOrigin: boolean }
  | { ok: false; status: 400 | 421; message: string };

/** A Host value that is an authority and nothing more (a path or userinfo in it would change the recorded URI). */
const BARE_AUTHORITY = /^[^\s/?#@\\]+$/;

/**
 * Whether a request inside the tunnel is for the tunnel's origin: its Host
 * (when it sends one) must name the CONNECT authority, default port and case
 * aside. The record's WARC-Target-URI is built from that Host, so another one
 * would file what the CONNECT target sent under some other site's URI.
 */
function hostProblem(req: IncomingMessage, tunnel: Tunnel, origin: URL): string | undefined {
  const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'host');
  if (hosts.length > 1) return 'more than one Host header';
  const host = req.headers.host;
  if (host === undefined) return undefined;
  let named: string | undefined;
  try {
    named = BARE_AUTHORITY.test(host) ? new URL(`${tunnel.scheme}://${host}`).host : undefined;
  } catch {
    named = undefined;
  }
  return named === origin.host ? undefined : `Host ${JSON.stringify(host)} is not the origin this tunnel leads to (CONNECT ${tunnel.authority})`;
}

/**
 * The origin and path of a browser request: inside a tunnel, the tunnel's
 * origin and the origin-form target; outside, an absolute-form `http://` URL
 * (https goes through CONNECT).
 */
export function requestOrigin(req: IncomingMessage, tunnel: Tunnel | undefined): OriginResult {
  const target = req.url ?? '';
  if (tunnel) {
    if (!target.startsWith('/')) return { ok: false, status: 400, message: 'requests inside a CONNECT tunnel must be origin-form (a path)' };
    // Through URL, so a default port (CONNECT example.com:443) is left out: one connection pool per origin however it is named.
    const origin = new URL(`${tunnel.scheme}://${tunnel.authority}`);
    const misdirected = hostProblem(req, tunnel, origin);
    if (misdirected !== undefined) return { ok: false, status: 421, message: misdirected };
    return { ok: true, origin: origin.origin, path: target, host: tunnel.host, hostFromOrigin: false };
  }
  const url = parseAbsoluteHttpUrl(target);
  if (!url) return { ok: false, status: 400, message: 'expected an absolute http:// URL (use CONNECT for https)' };
  // The URL names the origin; the browser's Host is replaced by the URL's (RFC 9112 3.2.2), so it cannot name another.
  return { ok: true, origin: url.origin, path: `${url.pathname}${url.search}`, host: urlTarget(url).host, hostFromOrigin: true };
}

/** Where one browser request goes and how it is recorded. */
export interface ExchangeTarget {
  /** `scheme://authority` of the origin. */
  origin: string;
  /** Origin-form request target (path and query). */
  path: string;
  /** The origin's host, for messages. */
  host: string;
  /** Send the origin's own host as Host, not the browser's (absolute-form requests). */
  hostFromOrigin: boolean;
  meta: ExchangeMeta;
  /** The client whose writer takes the exchange (the meta's warcPrefix). */
  client: WarcClient;
}
