/** What makes a response eligible for dedupe, and the small digest/date helpers the lookups share. */
import { createHash } from 'node:crypto';
import { decodeDigestLabel, digestMatches, parseDigestLabel, type DigestLabel } from '../digest/label';
import { DedupeError } from './errors';
import type { DedupeCandidate } from './types';

export const DEFAULT_SIZE_THRESHOLD = 2048;

/** A digest value safe to send to a lookup service as is (base32 or base16, padding allowed). */
const SENDABLE_VALUE = /^[A-Za-z0-9=]+$/;

/** Digests of the empty payload, per algorithm named in a label, computed when first asked. */
const emptyDigests = new Map<string, Buffer>();

export function isEmptyPayloadDigest(label: string): boolean {
  const decoded = decodeDigestLabel(label);
  if (decoded === undefined) return false;
  let empty = emptyDigests.get(decoded.algorithm);
  if (empty === undefined) emptyDigests.set(decoded.algorithm, (empty = createHash(decoded.algorithm).digest()));
  return digestMatches(decoded, empty);
}

/** Longest dedupe bucket name (it becomes part of a Redis key). */
export const MAX_DEDUPE_BUCKET_LENGTH = 256;

/** What is wrong with `value` as a dedupe bucket name, or undefined when it is a good one. */
export function dedupeBucketProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}`;
  if (value.length > MAX_DEDUPE_BUCKET_LENGTH) return `must be at most ${MAX_DEDUPE_BUCKET_LENGTH} characters, got ${value.length}`;
  if (/[\x00-\x1f\x7f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

/**
 * The key of a candidate's payload in the local and Redis tables: the digest label alone
 * without a bucket (today's keys), else `bucket:digest`. A label holds exactly one colon,
 * so no bucket's key equals another bucket's or a bucket-less one.
 */
export function dedupeKey(c: DedupeCandidate): string {
  return c.bucket === undefined ? c.payloadDigest : `${c.bucket}:${c.payloadDigest}`;
}

/** Throws a typed error for a candidate the client should never produce. */
export function validateCandidate(c: DedupeCandidate): DigestLabel {
  const label = typeof c.payloadDigest === 'string' ? parseDigestLabel(c.payloadDigest) : undefined;
  if (label === undefined || !SENDABLE_VALUE.test(label.value)) {
    throw new DedupeError('ERR_DEDUPE_INPUT', `payloadDigest must be a WARC digest label like "sha1:…", got ${JSON.stringify(c.payloadDigest)}`);
  }
  if (!Number.isSafeInteger(c.payloadLength) || c.payloadLength < 0) {
    throw new DedupeError('ERR_DEDUPE_INPUT', `payloadLength must be a non-negative integer, got ${String(c.payloadLength)}`);
  }
  if (!(c.date instanceof Date) || Number.isNaN(c.date.getTime())) throw new DedupeError('ERR_DEDUPE_INPUT', 'date must be a valid Date');
  if (typeof c.targetUri !== 'string' || c.targetUri === '') throw new DedupeError('ERR_DEDUPE_INPUT', 'targetUri must be a non-empty string');
  if (typeof c.recordId !== 'string' || !/^<[^<>\s]+>$/.test(c.recordId)) {
    throw new DedupeError('ERR_DEDUPE_INPUT', `recordId must be "<urn:uuid:…>", got ${JSON.stringify(c.recordId)}`);
  }
  const bucketProblem = c.bucket === undefined ? undefined : dedupeBucketProblem(c.bucket);
  if (bucketProblem !== undefined) throw new DedupeError('ERR_DEDUPE_INPUT', `bucket ${bucketProblem}`);
  return label;
}

/** Only payloads of at least `threshold` bytes, and never the empty one, are deduplicated. */
export function isEligible(c: DedupeCandidate, threshold: number): boolean {
  return c.payloadLength > 0 && c.payloadLength >= threshold && !isEmptyPayloadDigest(c.payloadDigest);
}

/** A CDX 14-digit timestamp (yyyyMMddHHmmss, possibly shorter) as W3C-ISO8601 UTC; undefined if malformed. */
export function cdxTimestampToIso(ts: string): string | undefined {
  if (!/^\d{4,14}$/.test(ts)) return undefined;
  const p = ts.padEnd(14, '0');
  const y = p.slice(0, 4);
  const mo = p.slice(4, 6) === '00' ? '01' : p.slice(4, 6);
  const d = p.slice(6, 8) === '00' ? '01' : p.slice(6, 8);
  const iso = `${y}-${mo}-${d}T${p.slice(8, 10)}:${p.slice(10, 12)}:${p.slice(12, 14)}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** A record id as `<…>`, wrapping a bare `urn:uuid:…` the way some services return it. */
export function normaliseRecordId(id: string): string | undefined {
  const trimmed = id.trim();
  if (/^<[^<>\s]+>$/.test(trimmed)) return trimmed;
  if (/^[a-z][a-z0-9+.-]*:[^<>\s]+$/i.test(trimmed)) return `<${trimmed}>`;
  return undefined;
}
