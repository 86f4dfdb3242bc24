/** A JsSpool that also hashes what it keeps: block digest and payload digest, on node:crypto. */
import { createHash, type Hash } from 'node:crypto';
import { bytesArgument, captureBlockOptionsArgument, payloadRangesArgument } from '../arguments';
import type { CaptureBlock, CaptureBlockOptions, DigestAlgorithm, DigestEncoding } from '../types';
import { defaultDigestEncoding } from '../../defaults';
import { formatDigestLabel } from '../../digest/label';
import { checkDigestAlgorithm } from './digest';
import { JsSpool } from './spool';

export class JsCaptureBlock extends JsSpool implements CaptureBlock {
  private readonly algorithm: DigestAlgorithm;
  private readonly block: Hash;
  /** Undefined once the payload was cut short (stopPayload). */
  private payload: Hash | undefined;

  constructor(options: CaptureBlockOptions) {
    const { spool, digestAlgorithm } = captureBlockOptionsArgument(options);
    checkDigestAlgorithm(digestAlgorithm);
    super(spool);
    this.algorithm = digestAlgorithm;
    this.block = createHash(digestAlgorithm);
    this.payload = createHash(digestAlgorithm);
  }

  override append(input: Uint8Array, payloadRanges?: readonly number[]): void {
    const chunk = bytesArgument(input, 'captureBlock.append() input');
    const ranges = payloadRangesArgument(payloadRanges, chunk.byteLength);
    // The spool first: when it fails, neither digest has seen the chunk.
    super.append(chunk);
    this.block.update(chunk);
    const payload = this.payload;
    if (payload === undefined) return;
    for (let i = 0; i < ranges.length; i += 2) payload.update(chunk.subarray(ranges[i], ranges[i + 1]));
  }

  stopPayload(): void {
    this.payload = undefined;
  }

  blockDigest(encoding: DigestEncoding = defaultDigestEncoding(this.algorithm)): string {
    // A copy: later appends keep hashing the original.
    return formatDigestLabel(this.algorithm, this.block.copy().digest(), encoding);
  }

  payloadDigest(encoding: DigestEncoding = defaultDigestEncoding(this.algorithm)): string | undefined {
    if (this.payload === undefined) return undefined;
    return formatDigestLabel(this.algorithm, this.payload.copy().digest(), encoding);
  }
}
