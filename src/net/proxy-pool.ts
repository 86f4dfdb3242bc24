import { Cooldown, type CooldownOptions } from './cooldown';
import { NetError } from './errors';
import { matchesDomainGlobs } from './domain-glob';
import { parseProxyUrl, proxySchemeOf, type ProxyScheme } from './proxy-connect';
import { redactProxyUrl } from './redact';
import { SmoothWeightedRoundRobin } from './weighted-round-robin';

export type ProxyType = 'any' | 'mobile' | 'residential' | 'datacenter';
export type ProxyNetwork = 'any' | 'ipv4' | 'ipv6';

const PROXY_TYPES: readonly ProxyType[] = ['any', 'mobile', 'residential', 'datacenter'];
const PROXY_NETWORKS: readonly ProxyNetwork[] = ['any', 'ipv4', 'ipv6'];

/** One configured proxy. A bare URL string means `{ url }` with the defaults. */
export interface ProxyEntry {
  /** scheme://[user:pass@]host[:port]; socks4, socks4a, socks5, socks5h, http, https. */
  url: string;
  /** Default 'any'. */
  type?: ProxyType;
  /** IP family the proxy can reach. Default 'any'. */
  network?: ProxyNetwork;
  /** Host globs this proxy may be used for ('*.example.com' also matches example.com). Default: all. */
  allowedDomains?: readonly string[];
  /** Share of selections relative to the others. Default 1. */
  weight?: number;
}

/** A pool member as the dialer uses it. `label` is the only form that may be shown. */
export interface PoolProxy {
  readonly url: URL;
  readonly scheme: ProxyScheme;
  readonly label: string;
  readonly type: ProxyType;
  readonly network: ProxyNetwork;
  readonly allowedDomains: readonly string[];
  readonly weight: number;
}

export interface ProxyStats {
  /** scheme://host:port */
  proxy: string;
  type: ProxyType;
  requests: number;
  errors: number;
  lastUsed?: Date;
  /** Time to open the tunnel, last and average over successful dials, in ms. */
  lastDialMs?: number;
  averageDialMs?: number;
  consecutiveFailures: number;
  /** Set while the proxy is resting after repeated failures. */
  restingUntil?: Date;
}

export interface SelectCriteria {
  host: string;
  /**
   * Per-request type. Undefined: only proxies of type 'any' (as gowarc does, so
   * typed proxies are kept for the requests that ask for them); 'any': every
   * proxy; another type: only proxies of that type.
   */
  proxyType?: string;
  /** Families the request may use; a proxy restricted to another family is skipped. */
  ipv4: boolean;
  ipv6: boolean;
  /** Proxies already tried for this request. */
  exclude?: ReadonlySet<PoolProxy>;
}

interface Counters {
  requests: number;
  errors: number;
  lastUsed?: number;
  lastDialMs?: number;
  dialMsTotal: number;
  dials: number;
}

/**
 * The proxy pool: filters by type, then network, then domain, skips resting
 * members, and picks among the rest with smooth weighted round robin.
 */
export class ProxyPool {
  private readonly wrr = new SmoothWeightedRoundRobin<PoolProxy>();
  private readonly cooldown: Cooldown<PoolProxy>;
  private readonly counters = new Map<PoolProxy, Counters>();
  private readonly now: () => number;

  constructor(entries: ReadonlyArray<ProxyEntry | string> = [], cooldown: CooldownOptions = {}) {
    this.cooldown = new Cooldown<PoolProxy>(cooldown);
    this.now = cooldown.now ?? Date.now;
    for (const entry of entries) this.add(entry);
  }

  get size(): number {
    return this.wrr.size;
  }

  members(): PoolProxy[] {
    return this.wrr.items();
  }

  add(entry: ProxyEntry | string): PoolProxy {
    const proxy = toPoolProxy(typeof entry === 'string' ? { url: entry } : entry);
    this.wrr.add(proxy, proxy.weight);
    this.counters.set(proxy, { requests: 0, errors: 0, dialMsTotal: 0, dials: 0 });
    return proxy;
  }

  remove(proxy: PoolProxy): boolean {
    this.counters.delete(proxy);
    this.cooldown.forget(proxy);
    return this.wrr.remove(proxy);
  }

  /** The next proxy for a request, or undefined when none is eligible. */
  select(criteria: SelectCriteria): PoolProxy | undefined {
    const wanted = criteria.proxyType ?? 'any';
    const everyType = criteria.proxyType === 'any';
    const host = criteria.host.toLowerCase();
    return this.wrr.pick(
      (proxy) =>
        (everyType || proxy.type === wanted) &&
        networkAllows(proxy.network, criteria) &&
        matchesDomainGlobs(host, proxy.allowedDomains) &&
        !criteria.exclude?.has(proxy) &&
        !this.cooldown.isResting(proxy),
    );
  }

  recordRequest(proxy: PoolProxy): void {
    const counters = this.countersOf(proxy);
    counters.requests += 1;
    counters.lastUsed = this.now();
  }

  recordSuccess(proxy: PoolProxy, dialMs: number): void {
    const counters = this.countersOf(proxy);
    counters.lastDialMs = dialMs;
    counters.dialMsTotal += dialMs;
    counters.dials += 1;
    this.cooldown.recordSuccess(proxy);
  }

  /** Counts a failed dial; returns the rest it started in ms (0 when none). */
  recordFailure(proxy: PoolProxy): number {
    this.countersOf(proxy).errors += 1;
    return this.cooldown.recordFailure(proxy);
  }

  stats(): ProxyStats[] {
    return this.wrr.items().map((proxy) => {
      const counters = this.countersOf(proxy);
      const stats: ProxyStats = {
        proxy: proxy.label,
        type: proxy.type,
        requests: counters.requests,
        errors: counters.errors,
        consecutiveFailures: this.cooldown.consecutiveFailures(proxy),
      };
      if (counters.lastUsed !== undefined) stats.lastUsed = new Date(counters.lastUsed);
      if (counters.lastDialMs !== undefined) stats.lastDialMs = counters.lastDialMs;
      if (counters.dials > 0) stats.averageDialMs = counters.dialMsTotal / counters.dials;
      const until = this.cooldown.restingUntil(proxy);
      if (until > 0) stats.restingUntil = new Date(until);
      return stats;
    });
  }

  private countersOf(proxy: PoolProxy): Counters {
    let counters = this.counters.get(proxy);
    if (!counters) {
      counters = { requests: 0, errors: 0, dialMsTotal: 0, dials: 0 };
      this.counters.set(proxy, counters);
    }
    return counters;
  }
}

function networkAllows(network: ProxyNetwork, criteria: SelectCriteria): boolean {
  if (network === 'any') return true;
  return network === 'ipv4' ? criteria.ipv4 : criteria.ipv6;
}

function toPoolProxy(entry: ProxyEntry): PoolProxy {
  const url = parseProxyUrl(entry.url);
  const label = redactProxyUrl(url);
  const type = entry.type ?? 'any';
  const network = entry.network ?? 'any';
  if (!PROXY_TYPES.includes(type)) throw new NetError('ERR_INVALID_OPTION', `proxy ${label}: unknown type "${String(type)}"`);
  if (!PROXY_NETWORKS.includes(network)) throw new NetError('ERR_INVALID_OPTION', `proxy ${label}: unknown network "${String(network)}"`);
  const weight = entry.weight ?? 1;
  if (!Number.isFinite(weight) || weight <= 0) throw new NetError('ERR_INVALID_OPTION', `proxy ${label}: weight must be > 0`);
  return Object.freeze({
    url,
    scheme: proxySchemeOf(url),
    label,
    type,
    network,
    allowedDomains: Object.freeze((entry.allowedDomains ?? []).map((glob) => glob.toLowerCase())),
    weight,
  });
}
