/**
 * Checks a record's digests while streaming its block once: the block digest,
 * and the payload digest (for application/http: over the de-chunked entity
 * body; a digest over the raw chunked bytes passes as "legacy").
 */
import { createHash, type Hash } from 'node:crypto';
import { Dechunker } from '../read/dechunk';
import { decodeDigestLabel, digestMatches, type DecodedDigest } from '../../digest/label';
import { isChunked, isHttpContentType } from '../../http/head';
import type { ReadRecord } from '../read/read-record';

export type DigestOutcome = 'ok' | 'legacy' | 'mismatch' | 'absent' | 'unsupported' | 'not-checked';

export interface VerifyOutcome {
  block: DigestOutcome;
  payload: DigestOutcome;
}

function hasher(parsed: DecodedDigest | undefined): Hash | undefined {
  if (!parsed) return undefined;
  try {
    return createHash(parsed.algorithm);
  } catch {
    return undefined;
  }
}

/** Reads the record's block to its end, checks the digests, and records problems as issues on the record. */
export async function verifyRecord(record: ReadRecord): Promise<VerifyOutcome> {
  const blockLabel = record.get('WARC-Block-Digest');
  const payloadLabel = record.get('WARC-Payload-Digest');
  const blockParsed = blockLabel !== undefined ? decodeDigestLabel(blockLabel) : undefined;
  const payloadParsed = payloadLabel !== undefined ? decodeDigestLabel(payloadLabel) : undefined;
  const blockHash = hasher(blockParsed);
  const isRevisit = record.type === 'revisit';
  const checkPayload = payloadParsed !== undefined && !isRevisit;
  const http = isHttpContentType(record.contentType) && (record.type === 'response' || record.type === 'request');

  // Payload hashing: raw body bytes, and de-chunked when the message is chunked.
  const rawHash = checkPayload ? hasher(payloadParsed) : undefined;
  let dechunkedHash: Hash | undefined;
  let dechunker: Dechunker | undefined;
  // The head as every reader finds it (interim 1xx responses skipped); the block still streams from byte 0.
  const head = http && rawHash ? await record.httpHead() : undefined;
  const headFailed = http && rawHash !== undefined && head === undefined;
  let skip = head?.bodyOffset ?? 0;
  if (head && isChunked(head.headers)) {
    dechunkedHash = hasher(payloadParsed);
    const target = dechunkedHash;
    dechunker = new Dechunker((data) => target?.update(data));
  }

  for await (const chunk of record.block()) {
    blockHash?.update(chunk);
    if (!rawHash || headFailed) continue;
    const body = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
    skip -= chunk.length - body.length;
    rawHash.update(body);
    dechunker?.write(body);
  }

  const outcome: VerifyOutcome = { block: 'absent', payload: 'absent' };
  let blockDigest: Buffer | undefined;
  if (!record.complete) {
    // Truncation is already reported; digests of a cut block say nothing more.
    return { block: blockLabel ? 'not-checked' : 'absent', payload: payloadLabel ? 'not-checked' : 'absent' };
  }
  if (blockLabel !== undefined) {
    if (!blockParsed || !blockHash) {
      outcome.block = 'unsupported';
      record.issue('block-digest', `cannot check WARC-Block-Digest ${JSON.stringify(blockLabel)} (unknown algorithm)`, 'note');
    } else if (blockParsed.candidates.length === 0) {
      outcome.block = 'mismatch';
      record.issue('block-digest', `WARC-Block-Digest ${JSON.stringify(blockLabel)} is not a valid base32, base16 or base64 value`);
    } else if (digestMatches(blockParsed, (blockDigest = blockHash.digest()))) {
      outcome.block = 'ok';
    } else {
      outcome.block = 'mismatch';
      record.issue('block-digest', `block digest mismatch (WARC-Block-Digest ${blockLabel})`);
    }
  }
  if (payloadLabel !== undefined) {
    if (isRevisit) {
      outcome.payload = 'not-checked';
      record.issue('payload-digest', 'revisit: payload digest not checked (it describes the payload of the record revisited)', 'note');
    } else if (!payloadParsed || !rawHash) {
      outcome.payload = 'unsupported';
      record.issue('payload-digest', `cannot check WARC-Payload-Digest ${JSON.stringify(payloadLabel)} (unknown algorithm)`, 'note');
    } else if (payloadParsed.candidates.length === 0) {
      outcome.payload = 'mismatch';
      record.issue('payload-digest', `WARC-Payload-Digest ${JSON.stringify(payloadLabel)} is not a valid base32, base16 or base64 value`);
    } else if (record.contentLength === 0) {
      outcome.payload = 'not-checked';
      record.issue('payload-digest', 'empty block: the payload the digest describes is not in this record', 'note');
    } else if (headFailed) {
      outcome.payload = 'not-checked';
      record.issue('payload-digest', 'payload digest not checked: no HTTP head found in the block', 'note');
    } else {
      const raw = rawHash.digest();
      const dechunked = dechunker && dechunker.valid && dechunkedHash ? dechunkedHash.digest() : undefined;
      if (dechunked ? digestMatches(payloadParsed, dechunked) : digestMatches(payloadParsed, raw)) {
        outcome.payload = 'ok';
      } else if (dechunked && digestMatches(payloadParsed, raw)) {
        outcome.payload = 'legacy';
        record.issue('payload-digest', 'payload digest matches the raw chunked body (legacy reading), not the de-chunked one', 'note');
      } else if (blockDigest && blockParsed?.algorithm === payloadParsed.algorithm && digestMatches(payloadParsed, blockDigest)) {
        outcome.payload = 'legacy';
        record.issue('payload-digest', 'payload digest covers the whole block, HTTP head included (legacy reading)', 'note');
      } else {
        outcome.payload = 'mismatch';
        record.issue('payload-digest', `payload digest mismatch (WARC-Payload-Digest ${payloadLabel})`);
      }
    }
  }
  return outcome;
}
