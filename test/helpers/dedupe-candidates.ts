/** Real digests of generated payloads, as the capturing client would compute them. */
import { createHash } from 'node:crypto';
import { base32Encode } from '../../src/digest/base32';
import { newRecordId } from '../../src/warc/record';
import type { DedupeCandidate } from '../../src/dedupe/types';

export function sha1Base32(data: Uint8Array): string {
  return base32Encode(createHash('sha1').update(data).digest());
}

export function payload(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function candidateFor(body: Uint8Array, targetUri: string, algorithm: 'sha1' | 'sha256' = 'sha1', date = new Date()): DedupeCandidate {
  const payloadDigest = algorithm === 'sha1' ? `sha1:${sha1Base32(body)}` : `sha256:${createHash('sha256').update(body).digest('hex')}`;
  return { payloadDigest, targetUri, payloadLength: body.length, date, recordId: newRecordId() };
}
