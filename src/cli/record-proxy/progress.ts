/**
 * The recording proxy's progress: a live line on a terminal (redrawn every
 * second), otherwise a log line when something changed, at most every
 * `intervalMs` — a proxy nobody uses stays quiet.
 */
import type { Logger } from '../../obs/logger';
import { formatBytes } from '../capture/capture-report';
import type { StatusLine } from './status-line';

export interface RecordingProgress {
  /** Exchanges written as record pairs (revisits included). */
  exchanges: number;
  /** Body bytes relayed, both ways (browser to web server and back). */
  bytes: number;
  revisits: number;
  /** Exchanges that failed (the browser got an error status, nothing written). */
  failed: number;
  /** Leaf certificates issued (one per host name first seen). */
  leafCertificates: number;
}

/** The rate is measured over about this long on a terminal. */
const RATE_WINDOW_MS = 10_000;
const TERMINAL_REDRAW_MS = 1000;

export function progressText(p: RecordingProgress, perSecond: number): string {
  return (
    `${p.exchanges} exchanges (${perSecond.toFixed(1)}/s), ${formatBytes(p.bytes)} of bodies relayed, ` +
    `${p.revisits} revisits, ${p.failed} failed, ${p.leafCertificates} leaf certificates`
  );
}

export type ProgressOutput = { terminal: StatusLine } | { logger: Logger; intervalMs: number };

/** Starts reporting `read()`; the returned function stops it. */
export function reportProgress(read: () => RecordingProgress, output: ProgressOutput): () => void {
  const samples: Array<{ at: number; exchanges: number }> = [{ at: Date.now(), exchanges: read().exchanges }];
  const rate = (p: RecordingProgress, at: number, windowMs: number): number => {
    while (samples.length > 1 && at - samples[1]!.at >= windowMs) samples.shift();
    const first = samples[0]!;
    samples.push({ at, exchanges: p.exchanges });
    return at > first.at ? ((p.exchanges - first.exchanges) * 1000) / (at - first.at) : 0;
  };
  let timer: NodeJS.Timeout;
  if ('terminal' in output) {
    const draw = (): void => {
      const p = read();
      output.terminal.show(progressText(p, rate(p, Date.now(), RATE_WINDOW_MS)));
    };
    draw();
    timer = setInterval(draw, TERMINAL_REDRAW_MS);
  } else {
    let printed = JSON.stringify(read());
    timer = setInterval(() => {
      const p = read();
      const now = JSON.stringify(p);
      // A rate over the whole interval; samples older than it are dropped.
      const perSecond = rate(p, Date.now(), output.intervalMs);
      if (now === printed) return;
      printed = now;
      output.logger.info({ ...p, perSecond: Number(perSecond.toFixed(2)) }, `record-proxy: ${progressText(p, perSecond)}`);
    }, output.intervalMs);
  }
  timer.unref();
  return () => clearInterval(timer);
}
