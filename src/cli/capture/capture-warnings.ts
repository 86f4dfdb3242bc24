/**
 * One-line messages `warcwire capture` prints for problems found while it runs
 * (not usage mistakes): a metrics port that cannot be bound, a dedupe service
 * that does not answer.
 */
import type { Logger, LogFields } from '../../obs/logger';

const LISTEN_CAUSES: Record<string, string> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available',
};

/** `cannot serve metrics on 127.0.0.1:9100: address in use`, from the listen error. */
export function metricsListenMessage(host: string, port: number, err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? (LISTEN_CAUSES[code] ?? code) : err instanceof Error ? err.message : String(err);
  return `cannot serve metrics on ${host}:${port}: ${reason}`;
}

/**
 * A logger for the dedupe index that prints one warning line when a source starts
 * failing and one line when it answers again (the index logs each outage once; the
 * failed lookups themselves are only counted, in the summary). The dedupe start-up ping
 * catches a source that is down from the beginning; this catches one that fails later.
 */
export function dedupeDegradedWarner(warn: (line: string) => void): Logger & { silence(source: string | undefined): void } {
  /** Sources whose current outage has been printed. */
  const failing = new Set<string>();
  const sourceOf = (fields: LogFields): string => (typeof fields.source === 'string' ? fields.source : 'a dedupe service');
  const onWarn = (fields: LogFields, msg: string): void => {
    const source = sourceOf(fields);
    if (failing.has(source) || !/lookup failed/.test(msg)) return;
    failing.add(source);
    const why = typeof fields.error === 'string' ? fields.error : typeof fields.reason === 'string' ? fields.reason : 'lookup failed';
    warn(`warning: dedupe degraded: ${source} lookup failed (${why}); full records will be stored while it fails`);
  };
  const onInfo = (fields: LogFields, msg: string): void => {
    const source = sourceOf(fields);
    if (!/answers again/.test(msg) || !failing.delete(source)) return;
    const failed = typeof fields.failedLookups === 'number' ? ` after ${fields.failedLookups} failed lookups` : '';
    warn(`dedupe recovered: ${source} answers again${failed}`);
  };
  const noop = (): void => {};
  // silence(source): the start-up health check already warned about that source's outage.
  return { debug: noop, info: onInfo, warn: onWarn, error: noop, silence: (source) => void failing.add(source ?? 'a dedupe service') };
}
