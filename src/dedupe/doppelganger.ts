/**
 * Doppelganger client: `GET {url}/api/records/{digest}?uri={uri}` answers 200 with
 * `{ "id": "<urn:uuid:…>", "uri": "…", "date": "…" }` when it holds a record with that
 * payload digest, 404 when it does not. The digest is sent bare (no `sha1:` prefix), as
 * gowarc does, so only sha1 digests can be asked.
 */
import { LookupFailure } from './errors';
import type { HttpLookup } from './http-lookup';
import { remoteRecord, type RemoteRecord } from './remote-record';

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
  return remoteRecord(parsed, `Doppelganger answer for ${url}`);
}
