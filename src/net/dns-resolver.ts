import * as net from 'node:net';
import type { Answer } from 'dns-packet';
import { silentLogger, type Logger } from '../obs/logger';
import { METRICS } from '../obs/metric-names';
import type { Counter, MetricsRegistry } from '../obs/metrics';
import { ExpiringLru } from './dns-cache';
import { parseServer, queryServer, DnsTransportError, type DnsReply, type DnsServer, type QueryType } from './dns-transport';
import type { DnsCapture, DnsOptions, ResolvedAddresses } from './dns-types';
import { dnsBlock } from './dns-zone-text';
import { DnsError } from './errors';
import { HostsFile, readResolvConf } from './hosts-file';

export interface DnsResolverOptions extends DnsOptions {
  /** Called once per resolution that went to the network (never for hosts, literals or cache hits). */
  onRecord?: (capture: DnsCapture) => void;
  logger?: Logger;
  metrics?: MetricsRegistry;
  /** Clock in ms for cache lifetimes; injectable for tests. */
  now?: () => number;
}

interface SharedLookup {
  promise: Promise<ResolvedAddresses>;
  controller: AbortController;
  waiters: number;
}

/** What the cache holds: addresses, or the error a negative answer gave. */
type CacheEntry = { addresses: { ipv4: string[]; ipv6: string[] } } | { error: DnsError };

/** Lifetime of negative answers without an SOA, in seconds. */
const DEFAULT_NEGATIVE_TTL = 30;

/**
 * The archiving resolver: literals and /etc/hosts first, then a bounded cache,
 * then A and AAAA queries to the configured servers (one at a time, N workers
 * or all at once, starting from a rotating server), stopping as soon as both
 * families have a definitive answer. Concurrent lookups of one name share one
 * resolution, and each network resolution is reported once to `onRecord`.
 */
export class DnsResolver {
  private readonly options: DnsResolverOptions;
  private readonly hosts: HostsFile;
  private readonly cache: ExpiringLru<string, CacheEntry>;
  private readonly inflight = new Map<string, SharedLookup>();
  private readonly logger: Logger;
  private readonly queries?: Counter;
  private readonly cacheHits?: Counter;
  private readonly ipv4: boolean;
  private readonly ipv6: boolean;
  private servers?: DnsServer[];
  private rotation = 0;

  constructor(options: DnsResolverOptions = {}) {
    this.options = options;
    this.ipv4 = options.ipv4 ?? true;
    this.ipv6 = options.ipv6 ?? true;
    this.hosts = new HostsFile(options.hostsFile);
    this.cache = new ExpiringLru(options.cacheSize ?? 10_000, options.now);
    this.logger = options.logger ?? silentLogger;
    if (options.metrics) {
      this.queries = options.metrics.counter(METRICS.dnsQueries);
      this.cacheHits = options.metrics.counter(METRICS.dnsCacheHits);
    }
    if (options.servers) this.servers = options.servers.map(parseServer);
  }

  /** Addresses of `host` in the allowed families, or a DnsError naming the host. */
  async resolve(hostname: string, options: { signal?: AbortSignal } = {}): Promise<ResolvedAddresses> {
    const host = normalise(hostname);
    const family = net.isIP(host);
    if (family !== 0) {
      return this.filtered(host, { ipv4: family === 4 ? [host] : [], ipv6: family === 6 ? [host] : [] }, 'literal');
    }
    const fromHosts = this.hosts.lookup(host);
    if (fromHosts) {
      const usable = { ipv4: this.ipv4 ? fromHosts.ipv4 : [], ipv6: this.ipv6 ? fromHosts.ipv6 : [] };
      if (usable.ipv4.length + usable.ipv6.length > 0) return { host, ...usable, source: 'hosts' };
    }
    const cached = this.cache.get(host);
    if (cached) {
      this.cacheHits?.inc();
      if ('error' in cached) throw cached.error;
      return { host, ipv4: [...cached.addresses.ipv4], ipv6: [...cached.addresses.ipv6], source: 'cache' };
    }
    let shared = this.inflight.get(host);
    if (!shared) {
      const controller = new AbortController();
      const lookup: SharedLookup = { controller, waiters: 0, promise: Promise.resolve() as unknown as Promise<ResolvedAddresses> };
      lookup.promise = this.lookupNetwork(host, controller.signal).finally(() => this.inflight.delete(host));
      shared = lookup;
      this.inflight.set(host, shared);
    }
    return this.wait(shared, host, options.signal);
  }

  /**
   * Waits for a shared lookup. A caller's abort ends only its own wait; when
   * the last waiter has gone, the queries themselves are cancelled.
   */
  private wait(shared: SharedLookup, host: string, signal?: AbortSignal): Promise<ResolvedAddresses> {
    const aborted = (): DnsError => new DnsError('ERR_ABORTED', host, `DNS lookup of ${host} aborted`);
    if (signal?.aborted) {
      if (shared.waiters === 0) shared.controller.abort();
      shared.promise.catch(() => undefined);
      return Promise.reject(aborted());
    }
    shared.waiters += 1;
    return new Promise<ResolvedAddresses>((resolve, reject) => {
      let done = false;
      const leave = (): void => {
        done = true;
        shared.waiters -= 1;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (done) return;
        leave();
        if (shared.waiters === 0) shared.controller.abort();
        reject(aborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (value) => {
          if (done) return;
          leave();
          resolve(value);
        },
        (error: unknown) => {
          if (done) return;
          leave();
          reject(error);
        },
      );
    });
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  private filtered(host: string, addresses: { ipv4: string[]; ipv6: string[] }, source: ResolvedAddresses['source']): ResolvedAddresses {
    const result = { host, ipv4: this.ipv4 ? addresses.ipv4 : [], ipv6: this.ipv6 ? addresses.ipv6 : [], source };
    if (result.ipv4.length + result.ipv6.length === 0) {
      throw new DnsError('ERR_DNS_NO_ADDRESS', host, `${host} has no address in an allowed family (ipv4: ${this.ipv4}, ipv6: ${this.ipv6})`);
    }
    return result;
  }

  private serverList(host: string): DnsServer[] {
    if (!this.servers) this.servers = readResolvConf(this.options.resolvConf).map(parseServer);
    if (this.servers.length === 0) throw new DnsError('ERR_DNS_NO_SERVERS', host, `cannot resolve ${host}: no DNS server configured`);
    return this.servers;
  }

  private async lookupNetwork(host: string, cancel: AbortSignal): Promise<ResolvedAddresses> {
    const servers = this.serverList(host);
    this.queries?.inc();
    const types: QueryType[] = [];
    if (this.ipv4) types.push('A');
    if (this.ipv6) types.push('AAAA');
    const start = this.rotation++ % servers.length;
    const order = [...servers.slice(start), ...servers.slice(0, start)];
    const concurrency = this.options.concurrency ?? 1;
    const workers = concurrency < 0 ? order.length : Math.max(1, Math.min(concurrency, order.length));
    const timeout = this.options.timeout ?? 5000;

    const answers = new Map<QueryType, DnsReply>();
    /** Which server sent each reply, for the archived record's WARC-IP-Address. */
    const answeredBy = new Map<DnsReply, DnsServer>();
    let nxdomain: DnsReply | undefined;
    let failure: DnsReply | undefined;
    const problems: string[] = [];
    const stop = new AbortController();
    const onCancel = (): void => stop.abort();
    cancel.addEventListener('abort', onCancel, { once: true });
    const complete = (): boolean => nxdomain !== undefined || types.every((type) => answers.has(type));
    let next = 0;

    const worker = async (): Promise<void> => {
      while (!complete() && !stop.signal.aborted && next < order.length) {
        const server = order[next++]!;
        const wanted = types.filter((type) => !answers.has(type));
        await Promise.all(
          wanted.map(async (type) => {
            try {
              const reply = await queryServer(server, host, type, timeout, stop.signal);
              answeredBy.set(reply, server);
              if (reply.rcode === 'NXDOMAIN') nxdomain ??= reply;
              else if (reply.rcode === 'NOERROR') {
                if (!answers.has(type)) answers.set(type, reply);
              } else {
                failure = reply;
                problems.push(`${server.host}:${server.port} ${type} ${reply.rcode}`);
              }
              if (complete()) stop.abort();
            } catch (error) {
              if (error instanceof DnsTransportError && error.reason === 'aborted') return;
              problems.push(`${server.host}:${server.port} ${type} ${error instanceof Error ? error.message : String(error)}`);
            }
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    stop.abort();
    cancel.removeEventListener('abort', onCancel);
    if (cancel.aborted) throw new DnsError('ERR_ABORTED', host, `DNS lookup of ${host} cancelled: nobody waits for it`);
    const date = new Date();

    if (nxdomain) {
      const error = new DnsError('ERR_DNS_NXDOMAIN', host, `${host} does not exist (NXDOMAIN)`, { rcode: 'NXDOMAIN' });
      this.archive(host, date, 'NXDOMAIN', nxdomain.authorities, answeredBy.get(nxdomain));
      this.cache.set(host, { error }, this.negativeTtl(nxdomain) * 1000);
      throw error;
    }
    if (answers.size === 0) {
      if (failure) {
        const rcode = failure.rcode;
        this.archive(host, date, rcode, failure.authorities, answeredBy.get(failure));
        const code = rcode === 'SERVFAIL' ? 'ERR_DNS_SERVFAIL' : 'ERR_DNS_REFUSED';
        throw new DnsError(code, host, `cannot resolve ${host}: ${rcode} (${problems.join('; ')})`, { rcode });
      }
      throw new DnsError('ERR_DNS_TIMEOUT', host, `cannot resolve ${host}: ${problems.join('; ') || 'no answer'}`);
    }

    const records: Answer[] = [];
    for (const type of ['A', 'AAAA'] as const) records.push(...(answers.get(type)?.answers ?? []));
    const addresses = { ipv4: addressesOf(records, 'A'), ipv6: addressesOf(records, 'AAAA') };
    const firstReply = answers.get('A') ?? answers.get('AAAA');
    this.archive(host, date, 'NOERROR', records, firstReply && answeredBy.get(firstReply));
    if (addresses.ipv4.length + addresses.ipv6.length === 0) {
      const error = new DnsError('ERR_DNS_NO_ADDRESS', host, `${host} has no ${types.join(' or ')} record`, { rcode: 'NOERROR' });
      const anyReply = answers.values().next().value as DnsReply;
      this.cache.set(host, { error }, this.negativeTtl(anyReply) * 1000);
      throw error;
    }
    this.cache.set(host, { addresses }, this.positiveTtl(records) * 1000);
    return { host, ipv4: [...addresses.ipv4], ipv6: [...addresses.ipv6], source: 'network' };
  }

  private archive(host: string, date: Date, rcode: string, records: readonly Answer[], server: DnsServer | undefined): void {
    const onRecord = this.options.onRecord;
    if (!onRecord) return;
    // The same CNAME comes back in the A and the AAAA reply; write it once.
    const unique = records.filter((record, i) => records.findIndex((other) => sameRecord(record, other)) === i);
    try {
      const serverAddress = server !== undefined && net.isIP(server.host) !== 0 ? server.host : undefined;
      onRecord({ host, date, block: dnsBlock(date, unique, rcode), rcode, ...(serverAddress !== undefined ? { serverAddress } : {}) });
    } catch (error) {
      this.logger.error({ host, error: error instanceof Error ? error.message : String(error) }, 'DNS record callback failed');
    }
  }

  private positiveTtl(records: readonly Answer[]): number {
    const max = this.options.cacheMaxTtl ?? 300;
    const ttls = records.map((record) => ('ttl' in record && record.ttl !== undefined ? record.ttl : 0));
    return Math.min(max, ...ttls);
  }

  private negativeTtl(reply: DnsReply): number {
    const max = this.options.cacheMaxTtl ?? 300;
    const soa = reply.authorities.find((record) => record.type === 'SOA');
    if (soa && soa.type === 'SOA') return Math.min(max, soa.ttl ?? 0, soa.data.minimum ?? 0);
    return Math.min(max, DEFAULT_NEGATIVE_TTL);
  }
}

function addressesOf(records: readonly Answer[], type: 'A' | 'AAAA'): string[] {
  const result: string[] = [];
  for (const record of records) {
    if (record.type === type && !result.includes(record.data)) result.push(record.data);
  }
  return result;
}

function sameRecord(a: Answer, b: Answer): boolean {
  return a.type === b.type && a.name === b.name && JSON.stringify('data' in a ? a.data : null) === JSON.stringify('data' in b ? b.data : null);
}

function normalise(hostname: string): string {
  let host = hostname.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
