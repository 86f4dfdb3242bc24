/**
 * WARC digest labels (`sha1:3I42H3S6…`): the one place that writes them, splits
 * them and decodes their value in any of the encodings found in the wild.
 */
import { base32Decode, base32Encode } from './base32';

/** The digests warcwire writes. */
export const DIGEST_ALGORITHMS = ['sha1', 'sha256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
/** base32 (RFC 4648, upper case, padded) or base16 (lower-case hex). */
export const DIGEST_ENCODINGS = ['base32', 'base16'] as const;
export type DigestEncoding = (typeof DIGEST_ENCODINGS)[number];

export function isDigestAlgorithm(value: unknown): value is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly unknown[]).includes(value);
}

export function isDigestEncoding(value: unknown): value is DigestEncoding {
  return (DIGEST_ENCODINGS as readonly unknown[]).includes(value);
}

/** `<algorithm>:<digest encoded>`, as warcwire writes it. */
export function formatDigestLabel(algorithm: DigestAlgorithm, digest: Uint8Array, encoding: DigestEncoding): string {
  const bytes = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
  return `${algorithm}:${encoding === 'base32' ? base32Encode(bytes) : bytes.toString('hex')}`;
}

export interface DigestLabel {
  /** The name before the colon, lower-cased (`sha1`, `sha-256`, `md5`…). */
  algorithm: string;
  /** The digest after the colon, as written (base32, base16 or base64; padding kept). */
  value: string;
}

const NAME = /^[a-z0-9-]+$/;

/** Splits `algorithm:value` (spaces around either part ignored); undefined when there is no name. */
export function parseDigestLabel(label: string): DigestLabel | undefined {
  const colon = label.indexOf(':');
  const algorithm = label.slice(0, Math.max(colon, 0)).trim().toLowerCase();
  const value = label.slice(colon + 1).trim();
  return colon > 0 && NAME.test(algorithm) ? { algorithm, value } : undefined;
}

const HASH_SIZES: Record<string, number> = { sha1: 20, sha256: 32, sha512: 64, md5: 16, 'sha-1': 20, 'sha-256': 32, 'sha-512': 64 };

export interface DecodedDigest {
  /** node:crypto algorithm name. */
  algorithm: string;
  /** Candidate decodings of the value (an ambiguous value may decode several ways); empty when none fits. */
  candidates: Buffer[];
}

/** The digest bytes a label may stand for; undefined when its algorithm is unknown to us. */
export function decodeDigestLabel(label: string): DecodedDigest | undefined {
  const parsed = parseDigestLabel(label);
  const size = parsed === undefined ? undefined : HASH_SIZES[parsed.algorithm];
  if (parsed === undefined || size === undefined) return undefined;
  const { value } = parsed;
  const candidates: Buffer[] = [];
  const keep = (b: Buffer | undefined): void => {
    if (b !== undefined && b.length === size) candidates.push(b);
  };
  if (/^[0-9a-fA-F]+$/.test(value) && value.length === size * 2) keep(Buffer.from(value, 'hex'));
  if (/^[A-Za-z2-7]+=*$/.test(value)) keep(base32Decode(value));
  if (/^[A-Za-z0-9+/]+=*$/.test(value)) keep(Buffer.from(value, 'base64'));
  if (/^[A-Za-z0-9_-]+=*$/.test(value)) keep(Buffer.from(value, 'base64url'));
  return { algorithm: parsed.algorithm.replace('-', ''), candidates };
}

export function digestMatches(decoded: DecodedDigest, actual: Buffer): boolean {
  return decoded.candidates.some((c) => c.equals(actual));
}
