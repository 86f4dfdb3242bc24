/**
 * How a non-GET capture is keyed in a CDXJ index, by the rules of warcio's
 * `cdx-index` (warcio.js, which ReplayWeb.page / wabac.js also apply to the
 * request it replays): the request's body becomes a query, and that query,
 * behind `__wb_method=<METHOD>`, is appended to the URL the key is made from.
 * Two captures of one URL posted with different bodies get different keys,
 * so a replay finds the response to the body it posts.
 */

/** Longest body query kept (characters), as warcio and pywb cut it. */
export const MAX_REQUEST_QUERY = 4096;

/**
 * The body of a request as a query string:
 * - `application/x-www-form-urlencoded`: the body as it is (UTF-8);
 * - `application/json` and `text/plain`: the JSON flattened (below);
 * - `multipart/form-data`: the text fields, `name=value` (file parts are left out);
 * - anything else, no Content-Type included: `__wb_post_data=` + the body in base64.
 * The media type is matched as written (case kept, parameters cut at `;`), as
 * warcio does. Cut to MAX_REQUEST_QUERY characters.
 */
export function requestQuery(contentType: string | undefined, body: Uint8Array): string {
  const mime = (contentType ?? '').split(';')[0];
  let query: string;
  switch (mime) {
    case 'application/x-www-form-urlencoded':
      query = utf8(body);
      break;
    case 'application/json':
      query = flattenJson(utf8(body)).params.toString();
      break;
    case 'text/plain': {
      // warcio falls back to base64 only when flattening stops part-way (arrays nested too deep to walk).
      const flat = flattenJson(utf8(body));
      query = flat.whole ? flat.params.toString() : base64Query(body);
      break;
    }
    case 'multipart/form-data':
      query = multipartFields(utf8(body), contentType ?? '').toString();
      break;
    default:
      query = base64Query(body);
  }
  return query.slice(0, MAX_REQUEST_QUERY);
}

/**
 * The URL a non-GET capture's key is made from: `url`, then `?` (or `&` when it
 * has a query) `__wb_method=<METHOD>&` and the body query with its escapes
 * decoded as decodeURI does (an escape it cannot decode empties the query).
 */
export function urlWithRequestQuery(url: string, method: string, query: string): string {
  let decoded: string;
  try {
    decoded = decodeURI(query);
  } catch {
    decoded = '';
  }
  return `${url}${url.indexOf('?') > 0 ? '&' : '?'}__wb_method=${method}&${decoded}`;
}

function base64Query(body: Uint8Array): string {
  return '__wb_post_data=' + Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * JSON as query parameters: every string, number, boolean or null leaf under
 * the name of the object member holding it (arrays repeat their member's
 * name; a leaf outside any member is named ''); a name seen before becomes
 * `name.2_`, `name.3_`, ...; empty strings are left out. Text that is not JSON
 * gives no parameters. Values nested deeper than the stack allows are left
 * out; when that happens outside any object (arrays in arrays at the top)
 * the walk stops there (`whole: false`).
 */
function flattenJson(text: string): { params: URLSearchParams; whole: boolean } {
  const params = new URLSearchParams();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { params, whole: true };
  }
  const repeats = new Map<string, number>();
  const add = (name: string, value: string): void => {
    if (value === '') return;
    let key = name;
    if (params.has(name)) {
      const n = (repeats.get(name) ?? 1) + 1;
      repeats.set(name, n);
      key = `${name}.${n}_`;
    }
    params.set(key, value);
  };
  const walk = (value: unknown, name: string): void => {
    if (value === null) add(name, 'null');
    else if (Array.isArray(value)) for (const item of value) walk(item, name);
    else if (typeof value === 'object') {
      try {
        for (const [member, item] of Object.entries(value)) walk(item, member);
      } catch (err) {
        // Nested deeper than the stack: the rest of this object is left out and the walk goes on, as warcio's does.
        if (!(err instanceof RangeError)) throw err;
      }
    } else add(name, String(value));
  };
  try {
    walk(json, '');
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { params, whole: false };
  }
  return { params, whole: true };
}

/**
 * The text fields of a multipart body: each part whose field header ends in
 * `name="..."` right before the blank line (so not a file part, whose header
 * goes on with `filename=` or `Content-Type`) gives `name=` the first line of
 * its content; a name given twice keeps the last value. The boundary is the
 * rest of the Content-Type after `boundary=`. No boundary, no fields (warcio
 * then splits the body at the word "undefined").
 */
function multipartFields(text: string, contentType: string): URLSearchParams {
  const params = new URLSearchParams();
  const at = contentType.indexOf('boundary=');
  const boundary = at < 0 ? '' : contentType.slice(at + 'boundary='.length).split('boundary=')[0];
  if (boundary === '') return params;
  for (const part of splitAtBoundary(text, boundary)) {
    // Linear: `[^"]+` stops at the next quote, and every `name="` holds one.
    const field = /name="([^"]+)"\r\n\r\n(.*)/i.exec(part.trim());
    if (field) params.set(field[1], field[2]);
  }
  return params;
}

/**
 * `text` cut at each occurrence of `boundary` (ASCII case ignored), the dashes
 * right around it going with it, as warcio's split at `-*boundary-*` (but the
 * boundary taken as text, not as a regular expression). Found with indexOf, not
 * a regular expression: one over a long run of dashes backtracks in quadratic time.
 */
function splitAtBoundary(text: string, boundary: string): string[] {
  const haystack = asciiLower(text);
  const needle = asciiLower(boundary);
  const parts: string[] = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, from)) {
    let start = at;
    while (start > from && text[start - 1] === '-') start--;
    let end = at + needle.length;
    while (end < text.length && text[end] === '-') end++;
    parts.push(text.slice(from, start));
    from = end;
  }
  parts.push(text.slice(from));
  return parts;
}

/** Lower-cases A-Z only, so every index stays where it was. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}
