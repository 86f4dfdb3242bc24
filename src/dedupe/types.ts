/**
 * The dedupe contract the capturing client calls: one `check()` per response it is
 * about to write. `null` means "write the full response"; a hit means "write a
 * revisit" (see revisit.ts) that refers to the record the hit describes.
 *
 *   const dedupe = createDedupeIndex({ local: true, metrics, logger });
 *   const hit = await dedupe.check({ payloadDigest, targetUri, payloadLength, date, recordId: responseId });
 *   const record = hit === null
 *     ? fullResponseRecord // its id is responseId
 *     : buildRevisitRecord({ targetUri, date, responseHead, payloadDigest, hit, concurrentTo: requestId });
 *   // ... and dedupe.close() at shutdown.
 */
import type { Logger } from '../obs/logger';
import type { MetricsRegistry } from '../obs/metrics';

export interface DedupeCandidate {
  /** WARC label, e.g. 'sha1:…' (base32) or 'sha256:…'. */
  payloadDigest: string;
  targetUri: string;
  /** Payload bytes (entity body after removing transfer-encoding). */
  payloadLength: number;
  /** WARC-Date of the response we would write. */
  date: Date;
  /** WARC-Record-ID of the response record we would write. */
  recordId: string;
  /**
   * The dedupe bucket of this exchange (e.g. one per crawl job): a payload is a revisit
   * only of one archived in the same bucket; the local and Redis tables key on bucket and
   * digest. Absent: the shared table of today's keys. Doppelganger and CDX, which know
   * no buckets, are asked only for candidates without one.
   */
  bucket?: string;
}

export type DedupeSource = 'local' | 'redis' | 'doppelganger' | 'cdx';

export interface DedupeHit {
  source: DedupeSource;
  /** WARC-Record-ID of the original; unknown for CDX hits. */
  recordId?: string;
  /** WARC-Target-URI of the original. */
  targetUri: string;
  /** WARC-Date of the original (a string when a remote service gave it, W3C-ISO8601). */
  date: Date | string;
}

export interface DedupeIndex {
  /**
   * Decide for one response. `null` → write the full record; it has then been
   * remembered (locally and in Redis when configured), so a later identical payload
   * becomes a revisit. Payloads under the size threshold and empty payloads always
   * give `null` and are not remembered. Never rejects because a service failed: a
   * failed lookup counts as "not found".
   */
  check(candidate: DedupeCandidate): Promise<DedupeHit | null>;
  /**
   * Checks that every remote source answers (Redis `PING`; Doppelganger and CDX a
   * `HEAD` of their base URL, any status below 500), each within its lookup timeout.
   * Rejects with a DedupeError `ERR_DEDUPE_UNREACHABLE` whose `source` names the first
   * failing source in lookup order. A local-only index resolves at once. Lookups never
   * need it: call it at start to warn that dedupe would be degraded.
   */
  ping(): Promise<void>;
  /** Closes connections to Redis and the remote services. Idempotent. */
  close(): Promise<void>;
}

export interface DedupeConfig {
  /** The in-process table (an LRU). `true` = defaults. Absent = no local table. */
  local?: true | { maxEntries?: number };
  /** A table shared by a fleet of crawlers. */
  redis?: {
    /** redis://[user:pass@]host:port/db or rediss://… */
    url: string;
    /** How long an entry lives; default 30 days. */
    ttlSeconds?: number;
    /** Key prefix; default 'warcwire:dedupe:'. */
    keyPrefix?: string;
    /** Per-command timeout in ms; default 2000. */
    timeout?: number;
  };
  /** `GET {url}/api/records/{digest}?uri={uri}` → `{ id, uri, date }`. sha1 digests only. */
  doppelganger?: { url: string; timeout?: number };
  /** `GET {url}/web/timemap/cdx?url={uri}&limit=-1`. sha1 digests only. */
  cdx?: { url: string; cookie?: string; timeout?: number };
  /** Payloads of at least this many bytes are deduplicated; default 2048. */
  sizeThreshold?: number;
  /** The algorithm of our payload digests; default: read from each digest's label. */
  digestAlgorithm?: 'sha1' | 'sha256';
  metrics?: MetricsRegistry;
  logger?: Logger;
}
