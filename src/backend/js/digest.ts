import { createHash, type Hash } from 'node:crypto';
import { bytesArgument } from '../arguments';
import { BackendError } from '../errors';
import { defaultDigestEncoding } from '../../defaults';
import { formatDigestLabel, isDigestAlgorithm, isDigestEncoding } from '../../digest/label';
import type { Digest, DigestAlgorithm, DigestEncoding } from '../types';

export function checkDigestAlgorithm(algorithm: string): asserts algorithm is DigestAlgorithm {
  if (!isDigestAlgorithm(algorithm)) {
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
    const digest = this.digest();
    if (!isDigestEncoding(encoding)) {
      throw new BackendError('ERR_INVALID_OPTION', `unknown digest encoding ${JSON.stringify(encoding)} (expected 'base32' or 'base16')`);
    }
    return formatDigestLabel(this.algorithm, digest, encoding);
  }
}
