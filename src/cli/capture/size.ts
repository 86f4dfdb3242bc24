/** Sizes on the command line: what `--max-file-size` and `--max-response-size` take, and how --help shows a default. */

const SUFFIXES = 'KMGT';

/**
 * A size such as `500M`, `1G`, `1.5GiB` or `4096`: suffixes K, M, G, T are
 * powers of 1024 (an optional trailing `B` or `iB` is accepted). Undefined for
 * anything else.
 */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const power = m[2] === undefined ? 0 : SUFFIXES.indexOf(m[2].toUpperCase()) + 1;
  const value = Math.floor(Number(m[1]) * 1024 ** power);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `n` as parseSize reads it back: `1G` for an exact power-of-1024 multiple, else the number of bytes. */
export function sizeText(n: number): string {
  for (let power = SUFFIXES.length; power > 0; power--) {
    const unit = 1024 ** power;
    if (n >= unit && n % unit === 0) return `${n / unit}${SUFFIXES[power - 1]}`;
  }
  return String(n);
}
