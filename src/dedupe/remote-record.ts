/**
 * What a remote table (Doppelganger, Redis) says about an original, checked before it can
 * become a revisit's WARC-Refers-To-* fields: a value the WARC writer would refuse would
 * otherwise cost the exchange its records.
 */
import { cdxTimestampToIso, normaliseRecordId } from './candidate';
import { LookupFailure } from './errors';

export interface RemoteRecord {
  recordId?: string;
  targetUri: string;
  /** W3C-ISO8601. */
  date: string;
}

const W3C_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `raw` as a RemoteRecord: `uri` a non-empty string without CR, LF or NUL, `date` W3C-ISO8601
 * or a CDX timestamp; an unusable `id` is dropped (the revisit then names only URI and date).
 * Anything else is a `bad_response` LookupFailure whose message begins with `where`.
 */
export function remoteRecord(raw: unknown, where: string): RemoteRecord {
  const rec = raw as { id?: unknown; uri?: unknown; date?: unknown };
  if (typeof raw !== 'object' || raw === null || typeof rec.uri !== 'string' || rec.uri === '' || typeof rec.date !== 'string') {
    throw new LookupFailure('bad_response', `${where} lacks uri or date`);
  }
  if (/[\r\n\0]/.test(rec.uri)) throw new LookupFailure('bad_response', `${where} has control characters in uri`);
  const date = W3C_DATE.test(rec.date) ? rec.date : cdxTimestampToIso(rec.date);
  if (date === undefined) throw new LookupFailure('bad_response', `${where} has an unusable date ${JSON.stringify(rec.date)}`);
  const recordId = typeof rec.id === 'string' && rec.id !== '' ? normaliseRecordId(rec.id) : undefined;
  return recordId === undefined ? { targetUri: rec.uri, date } : { recordId, targetUri: rec.uri, date };
}
