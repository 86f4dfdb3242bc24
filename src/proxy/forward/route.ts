import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ProxyError } from '../../net/errors';
import { connectViaProxy } from '../../net/proxy-connect';
import { redactProxyUrl } from '../../net/redact';
import type { Logger } from '../../obs/logger';
import type { RequestTarget } from '../request-target';
import type { Upstream } from './config';
import type { ProxyStats } from './proxy-stats';
import type { ScopeStats } from './scope-stats';
import type { UpstreamPool } from './upstream-pool';
import { BlockRelay } from './block-relay';

/** An open path to the target: the socket is positioned at the target's first byte. */
export interface Route {
  socket: Socket;
  upstream?: Upstream;
  /** The upstream's scopes (own, tag) for byte and concurrency counting; empty when direct. */
  scopes: ScopeStats[];
  /** Set when the socket was opened for a tunnel's cheaper relay (direct routes): it is paused, and only this may read it. */
  relay?: BlockRelay;
}

/** Why no route could be opened; `status` is what the client is answered. */
export class RouteFailure extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
    /** The client went away while the route was being opened. */
    readonly aborted = false,
  ) {
    super(message);
  }
}

/** The client side of a request: its 'close' cancels the dial. */
export interface Watched {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

export interface RouteContext {
  pool: UpstreamPool;
  stats: ProxyStats;
  retries: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** TLS options for https:// upstreams. */
  upstreamTls: { ca?: string; rejectUnauthorized: boolean };
  logger: Logger;
}

/**
 * Errors that say the upstream is unwell (unreachable, reset, timed out,
 * TLS, garbage, refused our credentials). A CONNECT answered with another
 * status, or a SOCKS rejection, usually speaks about the target: it is
 * retried elsewhere but does not put the upstream to rest.
 */
function blamesUpstream(error: unknown): boolean {
  if (!(error instanceof ProxyError)) return true;
  return error.code !== 'ERR_PROXY_CONNECT_STATUS' && error.code !== 'ERR_PROXY_SOCKS_REJECTED' && error.code !== 'ERR_ABORTED';
}

const GONE = 'client went away';

function dialDirect(target: RequestTarget, timeoutMs: number, client: Watched, relay?: BlockRelay): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true, ...(relay ? { onread: relay.onread } : {}) });
    // A relayed socket reads nothing until the tunnel is spliced.
    if (relay) socket.pause();
    const onGone = (): void => void socket.destroy(new RouteFailure(502, GONE, true));
    const timer = setTimeout(() => socket.destroy(new RouteFailure(504, `connecting to the target timed out after ${timeoutMs} ms`)), timeoutMs);
    client.once('close', onGone);
    socket.once('connect', () => {
      clearTimeout(timer);
      client.off('close', onGone);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      client.off('close', onGone);
      reject(error instanceof RouteFailure ? error : new RouteFailure(502, `cannot connect to the target: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
  });
}

/**
 * Opens a path to `target`: directly when no upstreams are configured, else
 * through upstreams picked by the pool, moving to the next one (up to
 * `retries` more) when one cannot open the tunnel. Safe to retry: nothing has
 * reached the target before a tunnel is open.
 */
export async function openRoute(
  context: RouteContext,
  target: RequestTarget,
  tag: string | undefined,
  client: Watched,
  /** A CONNECT tunnel (raw bytes both ways), not a plain request the HTTP client reads. */
  tunnel = false,
): Promise<Route> {
  const { pool } = context;
  if (pool.direct) {
    const relay = tunnel ? new BlockRelay() : undefined;
    const socket = await dialDirect(target, context.connectTimeoutMs, client, relay);
    return relay ? { socket, scopes: [], relay } : { socket, scopes: [] };
  }
  const aborter = new AbortController();
  const onGone = (): void => aborter.abort();
  client.once('close', onGone);
  try {
    return await throughUpstreams(context, target, tag, aborter.signal);
  } finally {
    client.off('close', onGone);
  }
}

async function throughUpstreams(context: RouteContext, target: RequestTarget, tag: string | undefined, signal: AbortSignal): Promise<Route> {
  const { pool, stats } = context;
  const tried = new Set<string>();
  let lastError: unknown;
  for (let attempt = 0; attempt <= context.retries; attempt++) {
    const upstream = pool.pick(tag, tried);
    if (!upstream) break;
    tried.add(upstream.key);
    const scopes = stats.routeScopes(upstream);
    const started = performance.now();
    try {
      const socket = await connectViaProxy(upstream.url, target, {
        timeout: context.connectTimeoutMs,
        signal,
        proxyTls: context.upstreamTls,
      });
      const ms = performance.now() - started;
      pool.recordSuccess(upstream);
      for (const scope of scopes) scope.succeeded(ms);
      return { socket, upstream, scopes };
    } catch (error) {
      if (signal.aborted) throw new RouteFailure(502, GONE, true);
      lastError = error;
      for (const scope of scopes) scope.failed();
      const rest = blamesUpstream(error) ? pool.recordFailure(upstream) : 0;
      context.logger.warn(
        { upstream: redactProxyUrl(upstream.url), code: (error as { code?: string }).code, restMs: rest, attempt },
        `proxy: upstream failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (lastError === undefined) throw new RouteFailure(502, tag === undefined ? 'no upstream enabled' : `no upstream enabled for tag ${tag}`);
  const timedOut = lastError instanceof ProxyError && lastError.code === 'ERR_PROXY_TIMEOUT';
  // ProxyError messages carry the proxy as scheme://host:port only.
  throw new RouteFailure(timedOut ? 504 : 502, `all ${tried.size} upstream(s) tried failed; last: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
