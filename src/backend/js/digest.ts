import { createHash, type Hash } from 'node:crypto';
import { bytesArgument } from '../arguments';
import { BackendError } from '../errors';
import type { Digest, DigestAlgorithm, DigestEncoding } from '../types';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32: upper case, padded with '=' to a multiple of 8 characters. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1; // keep only the bits not yet emitted, so `value` never overflows
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** WARC digest label, e.g. `sha1:3I42H3S6...` or `sha256:e3b0c4...`. */
export function formatDigestLabel(algorithm: DigestAlgorithm, digest: Uint8Array, encoding: DigestEncoding): string {
  if (encoding === 'base32') return `${algorithm}:${base32Encode(digest)}`;
  if (encoding === 'base16') return `${algorithm}:${Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex')}`;
  throw new BackendError('ERR_INVALID_OPTION', `unknown digest encoding ${JSON.stringify(encoding)} (expected 'base32' or 'base16')`);
}

/** sha1 labels default to base32 (the WARC convention), sha256 to base16. */
export function defaultDigestEncoding(algorithm: DigestAlgorithm): DigestEncoding {
  return algorithm === 'sha1' ? 'base32' : 'base16';
}

export function checkDigestAlgorithm(algorithm: string): asserts algorithm is DigestAlgorithm {
  if (algorithm !== 'sha1' && algorithm !== 'sha256') {
    throw new BackendError('ERR_INVALID_OPTION', `unknown digest algorithm ${JSON.stringify(algorithm)} (expected 'sha1' or 'sha256')`);
  }
}

/** Incremental SHA-1/SHA-256 on node:crypto (OpenSSL, same library as the addon). */
export class JsDigest implements Digest {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  private result: Buffer | undefined;

  constructor(algorithm: DigestAlgorithm) {
    checkDigestAlgorithm(algorithm);
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    const bytes = bytesArgument(chunk, 'digest.update() input');
    if (this.result !== undefined) {
      throw new BackendError('ERR_INVALID_OPTION', `${this.algorithm} digest already finished; create a new one to hash more data`);
    }
    this.hash.update(bytes);
  }

  digest(): Buffer {
    // Finishing twice returns the same value, so label() can be asked for both encodings.
    if (this.result === undefined) this.result = this.hash.digest();
    return Buffer.from(this.result);
  }

  label(encoding: DigestEncoding = defaultDigestEncoding(this.algorithm)): string {
    return formatDigestLabel(this.algorithm, this.digest(), encoding);
  }
}
