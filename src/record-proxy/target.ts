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

export type OriginResult = { ok: true; origin: string; path: string; host: string } | { ok: false; message: string };

/**
 * The origin and path of a browser request: inside a tunnel, the tunnel's
 * origin and the origin-form target; outside, an absolute-form `http://` URL
 * (https goes through CONNECT).
 */
export function requestOrigin(req: IncomingMessage, tunnel: Tunnel | undefined): OriginResult {
  const target = req.url ?? '';
  if (tunnel) {
    if (!target.startsWith('/')) return { ok: false, message: 'requests inside a CONNECT tunnel must be origin-form (a path)' };
    // Through URL, so a default port (CONNECT example.com:443) is left out: one connection pool per origin however it is named.
    return { ok: true, origin: new URL(`${tunnel.scheme}://${tunnel.authority}`).origin, path: target, host: tunnel.host };
  }
  const url = parseAbsoluteHttpUrl(target);
  if (!url) return { ok: false, message: 'expected an absolute http:// URL (use CONNECT for https)' };
  return { ok: true, origin: url.origin, path: `${url.pathname}${url.search}`, host: urlTarget(url).host };
}

/** Where one browser request goes and how it is recorded. */
export interface ExchangeTarget {
  /** `scheme://authority` of the origin. */
  origin: string;
  /** Origin-form request target (path and query). */
  path: string;
  /** The origin's host, for messages. */
  host: string;
  meta: ExchangeMeta;
  /** The client whose writer takes the exchange (the meta's warcPrefix). */
  client: WarcClient;
}
