/** Real digests of generated payloads, as the capturing client would compute them. */
import { createHash } from 'node:crypto';
import { newRecordId } from '../../src/warc/record';
import type { DedupeCandidate } from '../../src/dedupe/types';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function sha1Base32(data: Uint8Array): string {
  const bytes = createHash('sha1').update(data).digest();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
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
