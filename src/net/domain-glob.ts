/**
 * Host name globs for proxy `allowedDomains`: `*` matches any run of
 * characters (dots included), `?` one character, case-insensitive. A pattern
 * `*.example.com` also matches the bare `example.com`, which is what people
 * mean by it. An empty list allows every host.
 */
export function matchesDomainGlobs(host: string, globs: readonly string[]): boolean {
  if (globs.length === 0) return true;
  const name = normalise(host);
  return globs.some((glob) => matchesDomainGlob(name, glob));
}

export function matchesDomainGlob(host: string, glob: string): boolean {
  const name = normalise(host);
  const pattern = normalise(glob);
  if (pattern.startsWith('*.') && name === pattern.slice(2)) return true;
  return globToRegExp(pattern).test(name);
}

const cache = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let regexp = cache.get(pattern);
  if (!regexp) {
    const source = pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regexp = new RegExp(`^${source}$`);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, regexp);
  }
  return regexp;
}

function normalise(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
