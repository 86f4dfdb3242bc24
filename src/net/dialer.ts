import * as net from 'node:net';
import * as tls from 'node:tls';
import { DEFAULT_DIALER, DEFAULT_TIMEOUTS } from '../defaults';
import { silentLogger, type Logger } from '../obs/logger';
import { METRICS } from '../obs/metric-names';
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../obs/metrics';
import type { CooldownOptions } from './cooldown';
import { DnsResolver } from './dns-resolver';
import type { DnsCapture, DnsOptions, ResolvedAddresses } from './dns-types';
import { NetError, ProxyError } from './errors';
import { connectHappyEyeballs } from './happy-eyeballs';
import { LocalAddressPicker } from './local-address';
import { connectViaProxy, parseProxyUrl, proxySchemeOf, resolvesRemotely, type ProxyScheme } from './proxy-connect';
import { redactProxyUrl } from './redact';
import { ProxyPool, type PoolProxy, type ProxyEntry, type ProxyStats } from './proxy-pool';
import { originTlsOptions, type TlsOptions } from './tls-options';

export interface DialTarget {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

export interface DialOptions {
  signal?: AbortSignal;
  /** Budget in ms for DNS + TCP (+ proxy handshake). Default: DialerOptions.connectTimeout. */
  timeout?: number;
  /** Budget in ms for the TLS handshake with the origin. Default: DialerOptions.tls.handshakeTimeout. */
  tlsHandshakeTimeout?: number;
  /** Proxy type wanted for this request (see ProxyPool.select). */
  proxyType?: string;
  /**
   * This dial's route, overriding the pool: a proxy URL (any scheme the pool takes), or
   * `null` to connect directly. Absent: the pool decides. A given proxy is tried once
   * (no failover, no cooldown: it is not a pool member).
   */
  proxy?: string | null;
  /** Overrides DialerOptions.tls.verify for this dial. */
  verify?: boolean;
  /** Source address of this dial when direct (overrides localAddresses); ignored when proxied. */
  localAddress?: string;
}

export interface DialResult {
  /** For https targets the TLSSocket (plaintext side); otherwise the TCP socket or proxy tunnel. */
  socket: net.Socket;
  /** The origin's IP; absent when proxied (the proxy connected, we do not know where). */
  remoteAddress?: string;
  proxied: boolean;
  /** scheme://host:port of the proxy used, never with credentials. */
  proxy?: string;
  tlsProtocol?: string;
  cipher?: string;
}

export interface DialerOptions {
  tls?: TlsOptions;
  dns?: DnsOptions;
  /** The proxy pool; empty or absent means direct connections. */
  proxies?: ReadonlyArray<ProxyEntry | string>;
  /** Connect directly when no proxy is eligible. Default false (an ERR_NO_PROXY error). */
  allowDirectFallback?: boolean;
  /** Further proxies tried when a proxy dial fails. Default 2. */
  proxyRetries?: number;
  /** Passive health of proxies (threshold, base and max rest). */
  proxyCooldown?: CooldownOptions;
  /** TLS options for the connection to https:// proxies (ca...). */
  proxyTls?: tls.ConnectionOptions;
  /** Source addresses of direct connections, used in turn. Ignored when proxied. */
  localAddresses?: readonly string[];
  /** Send direct connections from a random global address of this machine. */
  randomLocalIp?: boolean;
  /** IPv6 direct connections from a random address of an interface's /64 (Linux: `ip -6 route add local <prefix>/64 dev lo` and `sysctl net.ipv6.ip_nonlocal_bind=1`). */
  ipv6AnyIP?: boolean;
  /** Default DialOptions.timeout in ms. Default 30000. */
  connectTimeout?: number;
  /** Called for every DNS resolution that went to the network, to archive it. */
  onDnsRecord?: (capture: DnsCapture) => void;
  logger?: Logger;
  metrics?: MetricsRegistry;
}

interface ProxyMetrics {
  requests: Counter;
  errors: Counter;
  lastUsed: Gauge;
  dialSeconds: Histogram;
}

/**
 * Opens connections to origins: picks a proxy from the pool (or goes direct),
 * resolves names with the archiving resolver when the route needs local DNS,
 * connects (Happy Eyeballs when direct, a tunnel when proxied, failing over to
 * the next proxy when a proxy dial fails) and finishes TLS for https targets.
 */
export class Dialer {
  readonly resolver: DnsResolver;
  private readonly pool: ProxyPool;
  private readonly localAddresses: LocalAddressPicker;
  private readonly options: DialerOptions;
  private readonly logger: Logger;
  private readonly proxyMetrics?: ProxyMetrics;
  private readonly ipv4: boolean;
  private readonly ipv6: boolean;
  private closed = false;

  constructor(options: DialerOptions = {}) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.ipv4 = options.dns?.ipv4 ?? true;
    this.ipv6 = options.dns?.ipv6 ?? true;
    if (!this.ipv4 && !this.ipv6) throw new NetError('ERR_INVALID_OPTION', 'ipv4 and ipv6 cannot both be disabled');
    const retries = options.proxyRetries ?? DEFAULT_DIALER.proxyRetries;
    if (!Number.isInteger(retries) || retries < 0) throw new NetError('ERR_INVALID_OPTION', `proxyRetries must be an integer >= 0, got ${retries}`);
    this.pool = new ProxyPool(options.proxies ?? [], options.proxyCooldown);
    this.localAddresses = new LocalAddressPicker({
      ...(options.localAddresses ? { localAddresses: options.localAddresses } : {}),
      ...(options.randomLocalIp !== undefined ? { randomLocalIp: options.randomLocalIp } : {}),
      ...(options.ipv6AnyIP !== undefined ? { ipv6AnyIP: options.ipv6AnyIP } : {}),
    });
    this.resolver = new DnsResolver({
      ...options.dns,
      ...(options.onDnsRecord ? { onRecord: options.onDnsRecord } : {}),
      logger: this.logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    if (options.metrics) {
      this.proxyMetrics = {
        requests: options.metrics.counter(METRICS.proxyRequests),
        errors: options.metrics.counter(METRICS.proxyErrors),
        lastUsed: options.metrics.gauge(METRICS.proxyLastUsed),
        dialSeconds: options.metrics.histogram({
          name: 'proxy_dial_duration_seconds',
          help: 'Time to open a tunnel through each proxy',
          labelNames: ['proxy'],
        }),
      };
    }
  }

  /** Per-proxy counters: requests, errors, last use, dial latency, rest. */
  proxyStats(): ProxyStats[] {
    return this.pool.stats();
  }

  async dial(target: DialTarget, options: DialOptions = {}): Promise<DialResult> {
    if (this.closed) throw new NetError('ERR_DIALER_CLOSED', 'dialer is closed');
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new NetError('ERR_INVALID_OPTION', `cannot dial protocol "${String(target.protocol)}"`);
    }
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
      throw new NetError('ERR_INVALID_OPTION', `invalid port ${String(target.port)} for ${target.hostname}`);
    }
    const host = unbracket(target.hostname);
    const timeout = options.timeout ?? this.options.connectTimeout ?? DEFAULT_TIMEOUTS.dial;
    if (typeof options.proxy === 'string') {
      return this.finish(target, host, await this.dialThroughOne(options.proxy, host, target.port, timeout, options), options);
    }
    const usePool = this.pool.size > 0 && options.proxy !== null;
    const proxy = usePool ? this.pool.select(this.criteria(host, options)) : undefined;
    if (usePool && !proxy) {
      const wanted = options.proxyType === undefined ? '' : ` of type ${options.proxyType}`;
      if (!this.options.allowDirectFallback) {
        throw new NetError('ERR_NO_PROXY', `no eligible proxy${wanted} for ${host} (type, network and allowedDomains filters; resting proxies are skipped)`);
      }
      this.logger.debug({ host, proxyType: options.proxyType }, 'no eligible proxy, connecting directly');
    }

    let result: DialResult;
    if (proxy) {
      const tunnel = await this.dialThroughPool(proxy, host, target.port, timeout, options);
      result = { socket: tunnel.socket, proxied: true, proxy: tunnel.proxy.label };
    } else {
      const socket = await this.dialDirect(host, target.port, timeout, options);
      result = { socket, proxied: false };
      if (socket.remoteAddress) result.remoteAddress = socket.remoteAddress;
    }
    return this.finish(target, host, result, options);
  }

  /** TLS with the origin over the route's socket, for https targets. */
  private async finish(target: DialTarget, host: string, result: DialResult, options: DialOptions): Promise<DialResult> {
    if (target.protocol === 'https:') {
      const secure = await this.handshake(result.socket, host, target.port, options);
      result.socket = secure;
      const protocol = secure.getProtocol();
      if (protocol) result.tlsProtocol = protocol;
      result.cipher = secure.getCipher().name;
    }
    return result;
  }

  /** Stops new dials. Connections already handed out belong to their callers. */
  async close(): Promise<void> {
    this.closed = true;
    await this.resolver.close();
  }

  private criteria(host: string, options: DialOptions): Parameters<ProxyPool['select']>[0] {
    return {
      host,
      ipv4: this.ipv4,
      ipv6: this.ipv6,
      ...(options.proxyType !== undefined ? { proxyType: options.proxyType } : {}),
    };
  }

  private async dialDirect(host: string, port: number, timeout: number, options: DialOptions): Promise<net.Socket> {
    const signal = options.signal;
    const started = Date.now();
    const addresses = await this.resolveWithin(host, timeout, signal);
    const socket = await connectHappyEyeballs({
      port,
      ipv6: addresses.ipv6,
      ipv4: addresses.ipv4,
      timeout: Math.max(1, timeout - (Date.now() - started)),
      ...(signal ? { signal } : {}),
      ...(options.localAddress !== undefined
        ? { localAddress: () => options.localAddress }
        : this.localAddresses.active
          ? { localAddress: (family: 4 | 6) => this.localAddresses.pick(family) }
          : {}),
    });
    socket.setNoDelay(true);
    return socket;
  }

  /** Resolution bounded by the dial budget (the resolver's own per-query timeouts may add up to more). */
  private async resolveWithin(host: string, timeout: number, signal?: AbortSignal): Promise<ResolvedAddresses> {
    // A timer and listener released as soon as the lookup settles: AbortSignal.timeout() and
    // AbortSignal.any() keep their signals (a few KB a dial) until the budget runs out, so a
    // crawl dialing thousands of origins a minute held that much memory for no reason.
    const budget = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      budget.abort(new DOMException(`the ${timeout} ms dial budget ran out`, 'TimeoutError'));
    }, timeout);
    const forward = (): void => budget.abort(signal?.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener('abort', forward, { once: true });
    try {
      return await this.resolver.resolve(host, { signal: budget.signal });
    } catch (error) {
      if (timedOut && !signal?.aborted) {
        throw new NetError('ERR_DIAL_TIMEOUT', `resolving ${host} took longer than the ${timeout} ms dial budget`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }

  /** Tries `first`, then other eligible proxies, up to proxyRetries more when the proxy dial fails. */
  private async dialThroughPool(
    first: PoolProxy,
    host: string,
    port: number,
    timeout: number,
    options: DialOptions,
  ): Promise<{ socket: net.Socket; proxy: PoolProxy }> {
    const retries = this.options.proxyRetries ?? DEFAULT_DIALER.proxyRetries;
    const tried = new Set<PoolProxy>();
    let proxy: PoolProxy | undefined = first;
    let lastError: unknown;
    while (proxy) {
      tried.add(proxy);
      const label = proxy.label;
      this.pool.recordRequest(proxy);
      this.proxyMetrics?.requests.inc({ proxy: label });
      this.proxyMetrics?.lastUsed.set(Date.now() * 1e6, { proxy: label });
      this.logger.debug({ proxy: label, host, port }, 'proxy selected');
      const started = performance.now();
      try {
        const socket = await this.tunnel(proxy.url, proxy.scheme, host, port, timeout, options);
        const elapsed = performance.now() - started;
        this.pool.recordSuccess(proxy, elapsed);
        this.proxyMetrics?.dialSeconds.observe(elapsed / 1000, { proxy: label });
        return { socket, proxy };
      } catch (error) {
        // Only failures of the proxy itself count against it and move on; DNS errors or aborts end the dial.
        if (!(error instanceof ProxyError) || error.code === 'ERR_ABORTED') throw error;
        lastError = error;
        this.proxyMetrics?.errors.inc({ proxy: label });
        const rest = this.pool.recordFailure(proxy);
        this.logger.warn({ proxy: label, host, port, code: error.code, error: error.message, restMs: rest }, 'proxy dial failed');
        if (tried.size > retries) break;
        proxy = this.pool.select({ ...this.criteria(host, options), exclude: tried });
      }
    }
    throw lastError;
  }

  /** A tunnel through one proxy URL given for this dial only (not a pool member: no failover, no cooldown). */
  private async dialThroughOne(url: string, host: string, port: number, timeout: number, options: DialOptions): Promise<DialResult> {
    const parsed = parseProxyUrl(url);
    const label = redactProxyUrl(parsed);
    this.logger.debug({ proxy: label, host, port }, 'proxy given by the request');
    this.proxyMetrics?.requests.inc({ proxy: label });
    this.proxyMetrics?.lastUsed.set(Date.now() * 1e6, { proxy: label });
    const started = performance.now();
    try {
      const socket = await this.tunnel(parsed, proxySchemeOf(parsed), host, port, timeout, options);
      this.proxyMetrics?.dialSeconds.observe((performance.now() - started) / 1000, { proxy: label });
      return { socket, proxied: true, proxy: label };
    } catch (error) {
      if (error instanceof ProxyError && error.code !== 'ERR_ABORTED') this.proxyMetrics?.errors.inc({ proxy: label });
      throw error;
    }
  }

  private tunnel(proxy: URL, scheme: ProxyScheme, host: string, port: number, timeout: number, options: DialOptions): Promise<net.Socket> {
    return connectViaProxy(proxy, { host, port }, {
      timeout,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.options.proxyTls ? { proxyTls: this.options.proxyTls } : {}),
      ...(resolvesRemotely(scheme) ? {} : { resolve: this.localResolverFor(scheme === 'socks4') }),
    });
  }

  /** Local DNS for socks4/socks5: archived like a direct lookup; socks4 can only carry IPv4. */
  private localResolverFor(ipv4Only: boolean): (host: string, signal?: AbortSignal) => Promise<string> {
    return async (host, signal) => {
      const addresses = await this.resolver.resolve(host, signal ? { signal } : {});
      const address = ipv4Only ? addresses.ipv4[0] : (addresses.ipv6[0] ?? addresses.ipv4[0]);
      if (!address) throw new NetError('ERR_DIAL_FAILED', `${host} has no ${ipv4Only ? 'IPv4 ' : ''}address usable through the proxy`);
      return address;
    };
  }

  private handshake(socket: net.Socket, host: string, port: number, options: DialOptions): Promise<tls.TLSSocket> {
    const budget = options.tlsHandshakeTimeout ?? this.options.tls?.handshakeTimeout ?? DEFAULT_TIMEOUTS.tlsHandshake;
    return new Promise((resolve, reject) => {
      const tlsOptions = options.verify === undefined ? (this.options.tls ?? {}) : { ...this.options.tls, verify: options.verify };
      const secure = tls.connect({ ...originTlsOptions(tlsOptions, host), socket });
      const fail = (error: NetError): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        secure.destroy();
        socket.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(new NetError('ERR_ABORTED', `TLS handshake with ${host}:${port} aborted`));
      const timer = setTimeout(() => fail(new NetError('ERR_TLS_HANDSHAKE', `TLS handshake with ${host}:${port} timed out after ${budget} ms`)), budget);
      secure.once('error', (error) => fail(new NetError('ERR_TLS_HANDSHAKE', `TLS handshake with ${host}:${port} failed: ${error.message}`, { cause: error })));
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        secure.removeAllListeners('error');
        resolve(secure);
      });
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
