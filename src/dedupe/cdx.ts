/**
 * CDX server client (the Wayback Machine's API): `GET {url}/web/timemap/cdx?url={uri}&limit=-1`,
 * answered by space-separated lines `urlkey timestamp original mimetype statuscode digest …`.
 * The first line that is not a revisit (`warc/revisit`) and whose digest equals ours is the
 * original. CDX digests are bare base32 sha1, so only sha1 digests can be asked.
 */
import { cdxTimestampToIso } from './candidate';
import type { RemoteRecord } from './remote-record';
import { LookupFailure } from './errors';
import type { HttpLookup } from './http-lookup';

export async function lookupCdx(http: HttpLookup, baseUrl: string, bareDigest: string, targetUri: string, cookie?: string): Promise<RemoteRecord | null> {
  const url = `${baseUrl.replace(/\/+$/, '')}/web/timemap/cdx?url=${encodeURIComponent(targetUri)}&limit=-1`;
  const res = await http.get(url, cookie === undefined ? {} : { cookie });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LookupFailure('http_status', `CDX server answered ${res.status} for ${url}`);
  const wanted = bareDigest.toUpperCase();
  for (const line of res.body.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [, timestamp, original, mimetype, , digest] = f as [string, string, string, string, string, string];
    if (mimetype === 'warc/revisit' || digest.toUpperCase() !== wanted) continue;
    const date = cdxTimestampToIso(timestamp);
    if (date === undefined || /[\r\n\0]/.test(original)) continue; // a broken line is not an original
    return { targetUri: original, date };
  }
  return null;
}
