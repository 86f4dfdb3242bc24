import type { DigestEncoding } from '../backend/types';
import type { CapturedExchange } from '../capture/exchange';
import { connectionFields, requestRecord, type PairIds, type RecordPair } from '../capture/records';
import { buildRevisitRecord } from '../dedupe/revisit';
import type { DedupeHit, DedupeIndex } from '../dedupe/types';

/**
 * Asks the dedupe index about a complete exchange's payload, before any record
 * is built: `responseId` is the id its response record gets if written in full
 * (the index remembers it then), `bucket` the exchange's dedupe bucket, if any.
 * `null` → write the full response.
 */
export function dedupeLookup(
  ex: CapturedExchange<unknown>,
  url: string,
  responseId: string,
  encoding: DigestEncoding,
  dedupe: DedupeIndex,
  bucket: string | undefined,
): Promise<DedupeHit | null> {
  return dedupe.check({
    payloadDigest: ex.response!.payloadDigest(encoding)!,
    targetUri: url,
    payloadLength: ex.payloadLength,
    date: ex.date,
    recordId: responseId,
    ...(bucket !== undefined ? { bucket } : {}),
  });
}

/**
 * The pair written for a dedupe hit: a revisit (block = the final response
 * head, copied out of the response spool) and the request pointing at it. The
 * response spool is not part of it: the caller releases it.
 */
export function revisitPair(ex: CapturedExchange<unknown>, url: string, hit: DedupeHit, encoding: DigestEncoding, ids: PairIds): RecordPair {
  const { ipAddress, carried } = connectionFields(ex);
  const revisit = buildRevisitRecord({
    targetUri: url,
    date: ex.date,
    responseHead: ex.response!.read(ex.finalHeadOffset, ex.responseHead!.length),
    payloadDigest: ex.response!.payloadDigest(encoding)!,
    hit,
    concurrentTo: ids.request,
    ...(ipAddress !== undefined ? { ipAddress } : {}),
    extraFields: carried,
  });
  return { response: revisit, request: requestRecord(ex, encoding, ids.request, revisit.id) };
}
