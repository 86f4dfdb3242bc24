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
 * A logger for the dedupe index that turns its first failed lookup into one
 * warning line (later failures are only counted, in the summary). The dedupe
 * start-up ping catches a source that is down from the beginning; this catches one that fails later.
 */
export function dedupeDegradedWarner(warn: (line: string) => void): Logger & { silence(): void } {
  let warned = false;
  const onWarn = (fields: LogFields, msg: string): void => {
    if (warned || !/lookup failed/.test(msg)) return;
    warned = true;
    const source = typeof fields.source === 'string' ? fields.source : 'a dedupe service';
    const why = typeof fields.error === 'string' ? fields.error : typeof fields.reason === 'string' ? fields.reason : 'lookup failed';
    warn(`warning: dedupe degraded: ${source} lookup failed (${why}); full records will be stored while it fails`);
  };
  const noop = (): void => {};
  // silence(): the start-up health check already warned; later failures are only counted.
  return { debug: noop, info: noop, warn: onWarn, error: noop, silence: () => void (warned = true) };
}
