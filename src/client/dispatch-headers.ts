import type { Dispatcher } from 'undici';

export type DispatchHeaders = Dispatcher.DispatchOptions['headers'];

/** A dispatch's headers, in any of undici's forms (object, flat list, iterable of pairs), as name/value pairs as given. */
function headerPairs(headers: DispatchHeaders): Array<[unknown, unknown]> {
  if (headers === undefined || headers === null) return [];
  if (Array.isArray(headers)) {
    const pairs: Array<[unknown, unknown]> = [];
    for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
    return pairs;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') return [...(headers as Iterable<[unknown, unknown]>)];
  return Object.entries(headers);
}

/** The headers as a flat [name, value, …] list, a multi-valued field once per value. */
export function flatHeaders(headers: DispatchHeaders): string[] {
  const flat: string[] = [];
  for (const [name, value] of headerPairs(headers)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) flat.push(String(name), String(item));
  }
  return flat;
}

/**
 * undici writes `upgrade: <protocol>` (and `connection: upgrade`) itself for a dispatch with
 * `upgrade`, and refuses an Upgrade field among its headers (a Connection field it takes as
 * options); a caller passing on a client's handshake as it came (a recording proxy) has one
 * there. The headers without Upgrade fields that say what `upgrade` says (another protocol is
 * left for undici to refuse); unchanged when there are none.
 */
export function withoutHandshakeHeaders(headers: DispatchHeaders, upgrade: string): DispatchHeaders {
  const pairs = headerPairs(headers);
  const same = (name: unknown, value: unknown): boolean =>
    typeof name === 'string' && name.toLowerCase() === 'upgrade' && typeof value === 'string' && value.trim().toLowerCase() === upgrade.toLowerCase();
  const kept = pairs.filter(([name, value]) => !same(name, value));
  // Kept pairs go on exactly as given (undici checks them), as a flat list.
  return kept.length === pairs.length ? headers : (kept.flat() as string[]);
}
