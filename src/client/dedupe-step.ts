import type { CapturedExchange } from '../capture/exchange';
import type { RecordPair } from '../capture/records';
import { buildRevisitRecord } from '../dedupe/revisit';
import type { DedupeIndex } from '../dedupe/types';
import type { WarcRecord } from '../warc/record';

/** Fields of the response record a revisit carries over (the revisit builder sets the rest). */
const CARRIED = new Set(['warc-protocol', 'warc-cipher-suite']);

/**
 * Asks the dedupe index about a complete response. On a hit, returns the pair
 * to write instead: a revisit (block = the final response head) and the
 * request pointing at it; the response spool is released. `null` → write as is.
 */
export async function dedupePair(ex: CapturedExchange<unknown>, pair: RecordPair, dedupe: DedupeIndex): Promise<RecordPair | null> {
  const payloadDigest = pair.response.fields?.find(([n]) => n === 'WARC-Payload-Digest')?.[1];
  if (payloadDigest === undefined || ex.truncated !== undefined) return null;
  const hit = await dedupe.check({
    payloadDigest,
    targetUri: pair.response.targetUri!,
    payloadLength: ex.payloadLength,
    date: ex.date,
    recordId: pair.response.id,
  });
  if (hit === null) return null;
  const head = ex.response!.read(ex.finalHeadOffset, ex.responseHead!.length);
  const ip = pair.response.fields?.find(([n]) => n === 'WARC-IP-Address')?.[1];
  const revisit = buildRevisitRecord({
    targetUri: pair.response.targetUri!,
    date: ex.date,
    responseHead: head,
    payloadDigest,
    hit,
    concurrentTo: pair.request.id,
    ...(ip !== undefined ? { ipAddress: ip } : {}),
    extraFields: (pair.response.fields ?? []).filter(([n]) => CARRIED.has(n.toLowerCase())),
  });
  ex.response!.close();
  const request: WarcRecord = {
    ...pair.request,
    fields: (pair.request.fields ?? []).map(([n, v]): readonly [string, string] => [n, n === 'WARC-Concurrent-To' ? revisit.id : v]),
  };
  return { response: revisit, request };
}
