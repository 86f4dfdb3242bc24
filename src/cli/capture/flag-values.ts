/** Number-like flag values shared by the recording commands: seconds, sizes, a port. */
import { UsageError } from '../args';
import { parseSize } from './size';

/** A number of seconds (fractions allowed) as `{ [key]: ms }`; absent gives `{}`. */
export function seconds(flag: string, value: string | undefined, key: string): Record<string, number> {
  if (value === undefined) return {};
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && flag !== '--timeout' && flag !== '--shutdown-grace')) {
    throw new UsageError(`${flag} must be a number of seconds${flag === '--timeout' ? ' (0 for none)' : ' > 0'}, got ${JSON.stringify(value)}`);
  }
  return { [key]: Math.round(n * 1000) };
}

export function size(flag: string, value: string | undefined, examples = '500M or 1G'): number | undefined {
  if (value === undefined) return undefined;
  const n = parseSize(value);
  if (n === undefined || (n === 0 && flag === '--max-response-size')) throw new UsageError(`${flag} must be a size such as ${examples}, got ${JSON.stringify(value)}`);
  return n;
}

export function metricsPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--metrics-port must be a port number 0-65535, got ${JSON.stringify(value)}`);
  return port;
}
