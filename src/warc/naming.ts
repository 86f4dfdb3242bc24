/** WARC file names: `{prefix}-{yyyyMMddHHmmssSSS}-{serial:05}-{hostname}.warc[.gz|.zst]`. */
import type { Compression } from '../backend/types';

export const OPEN_SUFFIX = '.open';

export function extensionFor(compression: Compression): string {
  return compression === 'gzip' ? '.warc.gz' : compression === 'zstd' ? '.warc.zst' : '.warc';
}

/** 17-digit UTC timestamp with milliseconds. */
export function fileTimestamp(date: Date): string {
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  return (
    p(date.getUTCFullYear(), 4) +
    p(date.getUTCMonth() + 1, 2) +
    p(date.getUTCDate(), 2) +
    p(date.getUTCHours(), 2) +
    p(date.getUTCMinutes(), 2) +
    p(date.getUTCSeconds(), 2) +
    p(date.getUTCMilliseconds(), 3)
  );
}

export function warcFileName(prefix: string, date: Date, serial: number, hostname: string, compression: Compression): string {
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '_');
  return `${prefix}-${fileTimestamp(date)}-${String(serial).padStart(5, '0')}-${host}${extensionFor(compression)}`;
}
