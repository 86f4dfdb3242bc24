/**
 * Request headers as Crawlee hands them over (a plain object whose insertion
 * order is the wire order; a value may be a list, or undefined to leave the
 * header out), and the name lookups the adapter needs. Names keep their case.
 */
export type HeaderObject = Record<string, string | string[] | undefined>;

/** The headers as wire pairs, in the object's order; lists become repeated headers. */
export function headerPairs(headers: HeaderObject): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) pairs.push([name, String(item)]);
  }
  return pairs;
}

/** The names in `headers` that are `name`, whatever their case. */
export function namesOf(headers: HeaderObject, name: string): string[] {
  const lower = name.toLowerCase();
  return Object.keys(headers).filter((k) => k.toLowerCase() === lower);
}

export function hasHeader(headers: HeaderObject, name: string): boolean {
  return namesOf(headers, name).some((k) => headers[k] !== undefined);
}

/** Removes every spelling of `name`. */
export function dropHeader(headers: HeaderObject, name: string): void {
  for (const k of namesOf(headers, name)) Reflect.deleteProperty(headers, k);
}

/**
 * Generated (browser-like) headers merged with the caller's: the generated
 * order, each name the caller also gives taking the caller's spelling and
 * value (undefined removes it), then the caller's other headers in their order.
 */
export function mergeGenerated(generated: Record<string, string>, given: HeaderObject): HeaderObject {
  const merged: HeaderObject = {};
  const used = new Set<string>();
  for (const [name, value] of Object.entries(generated)) {
    const own = namesOf(given, name);
    if (own.length === 0) merged[name] = value;
    else for (const k of own) (merged[k] = given[k]), used.add(k);
  }
  for (const [name, value] of Object.entries(given)) if (!used.has(name)) merged[name] = value;
  return merged;
}
