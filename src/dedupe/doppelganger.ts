/**
 * Doppelganger client: `GET {url}/api/records/{digest}?uri={uri}` answers 200 with
 * `{ "id": "<urn:uuid:…>", "uri": "…", "date": "…" }` when it holds a record with that
 * payload digest, 404 when it does not. The digest is sent bare (no `sha1:` prefix), as
 * gowarc does, so only sha1 digests can be asked.
 */
import { cdxTimestampToIso, normaliseRecordId } from './candidate';
import { LookupFailure } from './errors';
import type { HttpLookup } from './http-lookup';

export interface RemoteRecord {
  recordId?: string;
  targetUri: string;
  /** W3C-ISO8601. */
  date: string;
}

const W3C_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export async function lookupDoppelganger(http: HttpLookup, baseUrl: string, bareDigest: string, targetUri: string): Promise<RemoteRecord | null> {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/records/${encodeURIComponent(bareDigest)}?uri=${encodeURIComponent(targetUri)}`;
  const res = await http.get(url, { accept: 'application/json' });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LookupFailure('http_status', `Doppelganger answered ${res.status} for ${url}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch (err) {
    throw new LookupFailure('bad_response', `Doppelganger answered invalid JSON for ${url}`, { cause: err });
  }
  const rec = parsed as { id?: unknown; uri?: unknown; date?: unknown };
  if (typeof parsed !== 'object' || parsed === null || typeof rec.uri !== 'string' || rec.uri === '' || typeof rec.date !== 'string') {
    throw new LookupFailure('bad_response', `Doppelganger answer for ${url} lacks uri or date`);
  }
  const date = W3C_DATE.test(rec.date) ? rec.date : cdxTimestampToIso(rec.date);
  if (date === undefined) throw new LookupFailure('bad_response', `Doppelganger answer for ${url} has an unusable date ${JSON.stringify(rec.date)}`);
  const recordId = typeof rec.id === 'string' && rec.id !== '' ? normaliseRecordId(rec.id) : undefined;
  if (/[\r\n\0]/.test(rec.uri)) throw new LookupFailure('bad_response', `Doppelganger answer for ${url} has control characters in uri`);
  return recordId === undefined ? { targetUri: rec.uri, date } : { recordId, targetUri: rec.uri, date };
}
