/** WARC digest labels (`sha1:…`) in any of the encodings found in the wild. */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer | undefined {
  const clean = text.toUpperCase().replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

const HASH_SIZES: Record<string, number> = { sha1: 20, sha256: 32, sha512: 64, md5: 16, 'sha-1': 20, 'sha-256': 32, 'sha-512': 64 };

export interface ParsedDigest {
  /** node:crypto algorithm name. */
  algorithm: string;
  /** Candidate decodings of the value (an ambiguous value may decode several ways). */
  candidates: Buffer[];
}

/** Parses `algo:value`; undefined when the algorithm is unknown to us. */
export function parseDigestLabel(label: string): ParsedDigest | undefined {
  const colon = label.indexOf(':');
  if (colon <= 0) return undefined;
  const name = label.slice(0, colon).trim().toLowerCase();
  const size = HASH_SIZES[name];
  if (size === undefined) return undefined;
  const value = label.slice(colon + 1).trim();
  const candidates: Buffer[] = [];
  if (/^[0-9a-fA-F]+$/.test(value) && value.length === size * 2) candidates.push(Buffer.from(value, 'hex'));
  const b32 = /^[A-Za-z2-7]+=*$/.test(value) ? base32Decode(value) : undefined;
  if (b32 && b32.length === size) candidates.push(b32);
  if (/^[A-Za-z0-9+/]+=*$/.test(value)) {
    const b = Buffer.from(value, 'base64');
    if (b.length === size) candidates.push(b);
  }
  if (/^[A-Za-z0-9_-]+=*$/.test(value)) {
    const b = Buffer.from(value, 'base64url');
    if (b.length === size) candidates.push(b);
  }
  return { algorithm: name.replace('-', ''), candidates };
}

export function digestMatches(parsed: ParsedDigest, actual: Buffer): boolean {
  return parsed.candidates.some((c) => c.equals(actual));
}
