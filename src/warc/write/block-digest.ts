/** Digests over a record block, reading a Spool in slices so a large block never sits in memory twice. */
import type { Backend, DigestAlgorithm, DigestEncoding, Spool } from '../../backend/types';

const SLICE = 1 << 20;

export function digestBlock(
  backend: Backend,
  block: Spool | Uint8Array,
  algorithm: DigestAlgorithm,
  encoding: DigestEncoding,
): string {
  const digest = backend.createDigest(algorithm);
  if (block instanceof Uint8Array) {
    digest.update(block);
  } else {
    for (let at = 0; at < block.size; at += SLICE) digest.update(block.read(at, Math.min(SLICE, block.size - at)));
  }
  return digest.label(encoding);
}
