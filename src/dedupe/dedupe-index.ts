/**
 * The dedupe chain: local LRU → Redis (read) → Doppelganger → CDX → Redis (atomic claim).
 * The claim comes last so that a payload a remote archive already holds is never
 * recorded in Redis as ours; a fleet racing on a new payload still gets exactly one
 * winner. Any service failing counts as "not found": the full record is stored; while
 * it fails, only one lookup at a time is sent to it (SourceOutages).
 * A candidate with a bucket is looked up in its bucket only (local and Redis, keyed on
 * bucket + digest); Doppelganger and CDX, which know no buckets, are skipped for it.
 */
import { METRICS } from '../obs/metric-names';
import { childLogger, silentLogger, type Logger } from '../obs/logger';
import type { Counter, Histogram, MetricsRegistry } from '../obs/metrics';
import { PrometheusRegistry } from '../obs/registry';
import { isDigestAlgorithm, type DigestLabel } from '../digest/label';
import { DEFAULT_SIZE_THRESHOLD, dedupeKey, isEligible, validateCandidate } from './candidate';
import { lookupCdx } from './cdx';
import { lookupDoppelganger } from './doppelganger';
import type { RemoteRecord } from './remote-record';
import { DedupeError, LookupFailure } from './errors';
import { HttpLookup, MAX_RECORD_ANSWER_BYTES, MAX_TIMEMAP_BYTES } from './http-lookup';
import { LruTable } from './lru';
import { SourceOutages } from './source-outages';
import { DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_TIMEOUT_MS, DEFAULT_REDIS_TTL_SECONDS, RedisTable } from './redis-table';
import type { DedupeCandidate, DedupeConfig, DedupeHit, DedupeIndex, DedupeSource } from './types';

export const DEFAULT_LOCAL_MAX_ENTRIES = 1_000_000;
export const DEFAULT_REMOTE_TIMEOUT_MS = 5000;

interface LocalEntry {
  recordId: string;
  targetUri: string;
  date: Date;
}

type RemoteSource = 'redis' | 'doppelganger' | 'cdx';

export function createDedupeIndex(config: DedupeConfig): DedupeChain {
  return new DedupeChain(config);
}

export class DedupeChain implements DedupeIndex {
  private readonly threshold: number;
  private readonly local?: LruTable<LocalEntry>;
  private readonly redis?: RedisTable;
  private readonly doppelganger?: { url: string; http: HttpLookup };
  private readonly cdx?: { url: string; cookie?: string; http: HttpLookup };
  private readonly logger: Logger;
  private readonly outages: SourceOutages<RemoteSource>;
  private readonly hits: Record<DedupeSource, { count: Counter; bytes: Counter }>;
  private readonly lookupErrors: Counter;
  private readonly lookupDuration: Histogram;
  /** Checks in progress per key (bucket + digest), so concurrent duplicates in this process wait for the first. */
  private readonly inFlight = new Map<string, { candidate: DedupeCandidate; result: Promise<DedupeHit | null> }>();
  private closed = false;

  constructor(private readonly config: DedupeConfig) {
    if (config.local === undefined && config.redis === undefined && config.doppelganger === undefined && config.cdx === undefined) {
      throw new DedupeError('ERR_DEDUPE_CONFIG', 'dedupe config has no source: set at least one of local, redis, doppelganger or cdx');
    }
    this.threshold = config.sizeThreshold ?? DEFAULT_SIZE_THRESHOLD;
    if (!Number.isSafeInteger(this.threshold) || this.threshold < 0) {
      throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.sizeThreshold must be a non-negative integer, got ${String(config.sizeThreshold)}`);
    }
    if (config.digestAlgorithm !== undefined && !isDigestAlgorithm(config.digestAlgorithm)) {
      throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.digestAlgorithm must be sha1 or sha256, got ${String(config.digestAlgorithm)}`);
    }
    if (config.local !== undefined) {
      const max = config.local === true ? DEFAULT_LOCAL_MAX_ENTRIES : (config.local.maxEntries ?? DEFAULT_LOCAL_MAX_ENTRIES);
      if (!Number.isSafeInteger(max) || max < 1) throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.local.maxEntries must be a positive integer, got ${String(max)}`);
      this.local = new LruTable(max);
    }
    if (config.doppelganger !== undefined) {
      this.doppelganger = { url: httpUrl('doppelganger', config.doppelganger.url), http: new HttpLookup(timeout('doppelganger', config.doppelganger.timeout), MAX_RECORD_ANSWER_BYTES) };
    }
    if (config.cdx !== undefined) {
      const { url, cookie } = config.cdx;
      if (cookie !== undefined && /[\r\n\0]/.test(cookie)) throw new DedupeError('ERR_DEDUPE_CONFIG', 'dedupe.cdx.cookie contains CR, LF or NUL');
      const cdxTimeout = timeout('cdx', config.cdx.timeout);
      this.cdx = cookie === undefined ? { url: httpUrl('cdx', url), http: new HttpLookup(cdxTimeout, MAX_TIMEMAP_BYTES) } : { url: httpUrl('cdx', url), cookie, http: new HttpLookup(cdxTimeout, MAX_TIMEMAP_BYTES) };
    }
    if (config.redis !== undefined) {
      const ttl = config.redis.ttlSeconds ?? DEFAULT_REDIS_TTL_SECONDS;
      if (!Number.isSafeInteger(ttl) || ttl < 1) throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.redis.ttlSeconds must be a positive integer, got ${String(ttl)}`);
      this.redis = new RedisTable({
        url: config.redis.url,
        ttlSeconds: ttl,
        keyPrefix: config.redis.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX,
        timeout: timeout('redis', config.redis.timeout ?? DEFAULT_REDIS_TIMEOUT_MS),
      });
    }
    this.logger = childLogger(config.logger ?? silentLogger, { component: 'dedupe' });
    this.outages = new SourceOutages(this.logger);
    const metrics: MetricsRegistry = config.metrics ?? new PrometheusRegistry();
    this.hits = {
      local: { count: metrics.counter(METRICS.localDedupedTotal), bytes: metrics.counter(METRICS.localDedupedBytesTotal) },
      redis: { count: metrics.counter(METRICS.redisDedupedTotal), bytes: metrics.counter(METRICS.redisDedupedBytesTotal) },
      doppelganger: { count: metrics.counter(METRICS.doppelgangerDedupedTotal), bytes: metrics.counter(METRICS.doppelgangerDedupedBytesTotal) },
      cdx: { count: metrics.counter(METRICS.cdxDedupedTotal), bytes: metrics.counter(METRICS.cdxDedupedBytesTotal) },
    };
    this.lookupErrors = metrics.counter(METRICS.dedupeLookupErrors);
    this.lookupDuration = metrics.histogram(METRICS.dedupeLookupDuration);
  }

  async check(candidate: DedupeCandidate): Promise<DedupeHit | null> {
    if (this.closed) throw new DedupeError('ERR_DEDUPE_CLOSED', 'dedupe index is closed');
    const label = validateCandidate(candidate);
    if (!isEligible(candidate, this.threshold)) return null;

    const key = dedupeKey(candidate);
    const pending = this.local === undefined ? undefined : this.inFlight.get(key);
    if (pending !== undefined) {
      const first = await pending.result;
      const hit: DedupeHit = first ?? { source: 'local', recordId: pending.candidate.recordId, targetUri: pending.candidate.targetUri, date: pending.candidate.date };
      return this.found(candidate, hit);
    }
    const result = this.decide(candidate, label, key);
    if (this.local === undefined) return result;
    this.inFlight.set(key, { candidate, result });
    try {
      return await result;
    } finally {
      this.inFlight.delete(key);
    }
  }

  async ping(): Promise<void> {
    if (this.closed) throw new DedupeError('ERR_DEDUPE_CLOSED', 'dedupe index is closed');
    const probes: { source: RemoteSource; run: () => Promise<void> }[] = [];
    const redis = this.redis;
    if (redis !== undefined) probes.push({ source: 'redis', run: () => redis.ping() });
    for (const [source, service] of [['doppelganger', this.doppelganger], ['cdx', this.cdx]] as const) {
      if (service === undefined) continue;
      probes.push({
        source,
        run: async () => {
          const status = await service.http.head(service.url);
          if (status >= 500) throw new LookupFailure('http_status', `${source} answered ${status} for HEAD ${service.url}`);
        },
      });
    }
    // All at once, so the wait is the slowest timeout, not their sum.
    const results = await Promise.allSettled(probes.map((p) => p.run()));
    const failures = probes.flatMap((p, i) => {
      const r = results[i]!;
      return r.status === 'rejected' ? [{ source: p.source, error: r.reason as unknown }] : [];
    });
    const first = failures[0];
    if (first === undefined) return;
    const detail = failures.map((f) => `${f.source}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ');
    throw new DedupeError('ERR_DEDUPE_UNREACHABLE', `dedupe source ${first.source} is unreachable (${detail})`, { cause: first.error, source: first.source });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight.values()].map((p) => p.result));
    await Promise.all([this.redis?.close(), this.doppelganger?.http.close(), this.cdx?.http.close()]);
    this.local?.clear();
  }

  /** `key`: where the candidate's payload is kept in the local and Redis tables (dedupeKey). */
  private async decide(c: DedupeCandidate, label: DigestLabel, key: string): Promise<DedupeHit | null> {
    const known = this.local?.get(key);
    if (known !== undefined) return this.found(c, { source: 'local', ...known });

    // Both remote services index bare base32 sha1 digests; asking them about another
    // algorithm could only miss, or worse, match by accident. Nor do they know buckets:
    // a payload archived anywhere would become a revisit target of every bucket.
    const algorithm = this.config.digestAlgorithm ?? label.algorithm;
    const remoteUsable = algorithm === 'sha1' && label.algorithm === 'sha1' && c.bucket === undefined;
    const askRemote = remoteUsable && (this.doppelganger !== undefined || this.cdx !== undefined);

    if (this.redis !== undefined && askRemote) {
      const redis = this.redis;
      const entry = await this.remote('redis', c, () => redis.get(key));
      if (entry) return this.found(c, { source: 'redis', ...entry });
    }
    if (this.doppelganger !== undefined && remoteUsable) {
      const { http, url } = this.doppelganger;
      const rec = await this.remote('doppelganger', c, () => lookupDoppelganger(http, url, label.value, c.targetUri));
      if (rec) return this.foundRemote(c, 'doppelganger', rec);
    }
    if (this.cdx !== undefined && remoteUsable) {
      const { http, url, cookie } = this.cdx;
      const rec = await this.remote('cdx', c, () => lookupCdx(http, url, label.value, c.targetUri, cookie));
      if (rec) return this.foundRemote(c, 'cdx', rec);
    }
    if (this.redis !== undefined) {
      const redis = this.redis;
      const ours = { recordId: c.recordId, targetUri: c.targetUri, date: c.date.toISOString() };
      const theirs = await this.remote('redis', c, () => redis.claim(key, ours));
      if (theirs) return this.found(c, { source: 'redis', ...theirs });
    }
    this.local?.set(key, { recordId: c.recordId, targetUri: c.targetUri, date: c.date });
    return null;
  }

  /** A remote service knew the payload: tell the fleet too (best effort), then report the hit. */
  private async foundRemote(c: DedupeCandidate, source: 'doppelganger' | 'cdx', rec: RemoteRecord): Promise<DedupeHit> {
    if (this.redis !== undefined) {
      const redis = this.redis;
      await this.remote('redis', c, () => redis.claim(dedupeKey(c), rec));
    }
    return this.found(c, { source, ...rec });
  }

  private found(c: DedupeCandidate, hit: DedupeHit): DedupeHit {
    this.hits[hit.source].count.inc();
    this.hits[hit.source].bytes.inc(undefined, c.payloadLength);
    this.logger.debug(
      { source: hit.source, digest: c.payloadDigest, ...(c.bucket !== undefined ? { bucket: c.bucket } : {}), uri: c.targetUri, refersTo: hit.recordId, refersToUri: hit.targetUri },
      'duplicate payload, writing revisit',
    );
    return hit;
  }

  /**
   * Runs one remote lookup; a failure is counted, logged once per outage, and becomes
   * `undefined` (not found), as does a lookup skipped because the source is failing
   * and another lookup is already probing it (SourceOutages).
   */
  private async remote<T>(source: RemoteSource, c: DedupeCandidate, run: () => Promise<T | null>): Promise<T | undefined> {
    const lookup = this.outages.begin(source);
    if (lookup === undefined) {
      this.logger.debug({ source, digest: c.payloadDigest, uri: c.targetUri }, 'dedupe source failing, lookup skipped, storing full record');
      return undefined;
    }
    try {
      const value = await run();
      this.outages.answered(source, lookup);
      return value ?? undefined;
    } catch (err) {
      if (!(err instanceof LookupFailure)) {
        this.outages.abandoned(source, lookup);
        throw err;
      }
      this.lookupErrors.inc({ source, reason: err.reason });
      this.outages.failed(source, lookup, err, { digest: c.payloadDigest, uri: c.targetUri });
      return undefined;
    } finally {
      this.lookupDuration.observe(Number(process.hrtime.bigint() - lookup.started) / 1e9, { source });
    }
  }
}

function httpUrl(service: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.${service}.url is not a URL: ${JSON.stringify(url)}`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.${service}.url must be http(s), got ${url}`);
  }
  return url;
}

function timeout(service: string, ms: number | undefined): number {
  const value = ms ?? DEFAULT_REMOTE_TIMEOUT_MS;
  if (!Number.isFinite(value) || value <= 0) throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.${service}.timeout must be a positive number of ms, got ${String(ms)}`);
  return value;
}
