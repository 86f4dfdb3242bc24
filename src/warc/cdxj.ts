/**
 * CDXJ index lines as pywb and cdxj-indexer write them:
 * `<SURT key> <14-digit timestamp> {"url": …, "mime": …, "status": …, "digest": …, "length": …, "offset": …, "filename": …}`.
 */

export interface CdxjEntry {
  url: string;
  /** The URL the key is made from when it is not `url` (a non-GET capture: src/warc/request-query.ts). */
  keyUrl?: string;
  /** WARC-Date as written. */
  date: string;
  mime?: string;
  status?: number;
  /** Request method: of a request record, or of the request paired with a non-GET response. */
  method?: string;
  /** The request body as a query (a non-GET capture with a body). */
  requestBody?: string;
  digest?: string;
  length: number;
  offset: number;
  filename: string;
}

/**
 * Sort-friendly URL key (Sort-friendly URI Reordering Transform), as warcio's
 * `cdx-index` builds it (the reference): every host is reversed at its dots,
 * IPv4 addresses included (`1,0,0,127:8080)/`); IPv6 literals keep their
 * brackets (`[::1]:8080)/`); default ports go, others stay; a leading
 * `www`/`wwwN.` label goes; the URL is lower-cased before it is parsed, so query
 * parameters sort lower-cased and escapes the parser adds (`<` → `%3C`) stay
 * upper-case. Two deliberate differences, both as Python's `surt` (which pywb
 * uses for lookups) does it: `WWW.` is stripped whatever its case, and a
 * trailing dot of the host is dropped.
 */
export function surt(url: string): string {
  // A key never holds a space: CDXJ fields are space-separated.
  return surtOf(url).replace(/ /g, '%20');
}

function surtOf(url: string): string {
  let parsed: URL;
  try {
    // Before parsing, as warcio does: `www.127.0.0.1` is no valid host, `127.0.0.1` is.
    parsed = new URL(url.replace(/^(https?:\/\/)www\d*\./i, '$1').toLowerCase());
  } catch {
    return url;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return url;
  // WHATWG hostnames are lower-case, IPv4 normalised to dotted decimal, IPv6 bracketed.
  let host = parsed.hostname.replace(/\.$/, '');
  if (!host.startsWith('[')) host = host.split('.').reverse().join(',');
  const port = parsed.port ? `:${parsed.port}` : '';
  let query = '';
  if (parsed.search.length > 1) {
    const params = parsed.search.slice(1).split('&');
    params.sort();
    query = '?' + params.join('&');
  }
  return `${host}${port})${parsed.pathname}${query}`;
}

/** 14-digit timestamp from a W3C date (sub-seconds dropped, missing parts zero). */
export function cdxTimestamp(date: string): string {
  const digits = date.replace(/[^0-9]/g, '').slice(0, 14);
  return digits.padEnd(14, '0');
}

/** One CDXJ line (no newline). Python-json spacing, numbers as strings, like cdxj-indexer. */
export function cdxjLine(entry: CdxjEntry): string {
  const json: Record<string, string> = { url: entry.url };
  if (entry.mime !== undefined) json.mime = entry.mime;
  if (entry.status !== undefined) json.status = String(entry.status);
  // pywb and cdxj-indexer drop the `sha1:` label (other algorithms keep theirs).
  if (entry.digest !== undefined) json.digest = entry.digest.replace(/^sha1:/i, '');
  json.length = String(entry.length);
  json.offset = String(entry.offset);
  json.filename = entry.filename;
  // Last, where warcio and cdxj-indexer put them.
  if (entry.method !== undefined) json.method = entry.method;
  if (entry.requestBody !== undefined) json.requestBody = entry.requestBody;
  const body = Object.entries(json)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ');
  return `${surt(entry.keyUrl ?? entry.url)} ${cdxTimestamp(entry.date)} {${body}}`;
}

/** Media type without parameters, as cdxj-indexer reports `mime`. */
export function bareMime(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const mime = contentType.split(';')[0].trim().toLowerCase();
  return mime === '' ? undefined : mime;
}
