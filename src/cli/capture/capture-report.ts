import { access } from 'node:fs/promises';
import type { DedupeSavings } from '../../dedupe/savings';
import { OPEN_SUFFIX } from '../../warc/naming';
import type { CaptureFailure, CaptureListResult, CaptureProgress } from './capture-list';
import type { CaptureStopSignal } from './capture-shutdown';
import type { ClientStats } from '../../client/warc-client';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export interface ProgressReporter {
  update(p: CaptureProgress): void;
  end(): void;
}

/** Off a terminal, at most one line per this many ms, and only when something changed. */
export const PROGRESS_LINE_INTERVAL_MS = 10_000;

function line(p: CaptureProgress): string {
  return `progress: ${p.done}/${p.total} done, ${p.failed} failed, ${formatBytes(p.bytes)} of bodies received\n`;
}

/** Progress: one rewritten bar line on a TTY; otherwise a line when it changed, at most every 10 s. */
export function progressReporter(stderr: NodeJS.WritableStream & { isTTY?: boolean }, intervalMs = PROGRESS_LINE_INTERVAL_MS): ProgressReporter {
  let last: CaptureProgress | undefined;
  if (stderr.isTTY) {
    return {
      update(p) {
        last = p;
        const width = 30;
        const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
        stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}  ${formatBytes(p.bytes)}  ${p.failed} failed `);
      },
      end() {
        if (last) stderr.write('\n');
      },
    };
  }
  let printed = '';
  const timer = setInterval(() => {
    if (last === undefined) return;
    const text = line(last);
    if (text === printed) return; // nothing new: a stalled crawl does not repeat itself
    printed = text;
    stderr.write(text);
  }, intervalMs);
  timer.unref();
  return {
    update(p) {
      last = p;
    },
    end() {
      clearInterval(timer);
    },
  };
}

/** The capture summary; each byte count says what it counts. */
export function summaryText(result: CaptureListResult, stats: Readonly<ClientStats>, dedupeLine: string, files: readonly string[]): string {
  const ok = result.requests - result.failures.length;
  return (
    `requests: ${result.requests} (${ok} ok, ${result.failures.length} failed)` +
    (result.notStarted > 0 ? `, ${result.notStarted} URLs not started (interrupted)` : '') +
    '\n' +
    `bodies received: ${formatBytes(result.bytes)} (as the caller sees them, decoded)\n` +
    `recorded in WARC blocks: ${formatBytes(stats.bytes)} (raw HTTP requests and responses, before WARC compression)\n` +
    `records: ${stats.written * 2} (${stats.written} pairs, ${stats.truncated} truncated)\n` +
    `dns records: ${stats.dnsRecords}\n` +
    dedupeLine +
    `files: ${files.length}\n${files.map((f) => `  ${f}\n`).join('')}`
  );
}

/**
 * Each WARC file by the name it has on disk: the final name once closed, the
 * `.open` one when a failure (or a hard exit) left it so; a file under neither
 * name is left out.
 */
export async function filesOnDisk(finalPaths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of finalPaths) {
    for (const name of [path, path + OPEN_SUFFIX]) {
      const there = await access(name).then(
        () => true,
        () => false,
      );
      if (there) {
        found.push(name);
        break;
      }
    }
  }
  return found;
}

/** Why a run ended before its list did. */
export type CaptureStop = { reason: CaptureStopSignal } | { reason: 'write-error'; message: string };

/** The summary of `warcwire capture --json`; field names are stable (README lists them). */
export interface CaptureSummary {
  requests: number;
  ok: number;
  failed: number;
  notStarted: number;
  /** Body bytes the callers received (decoded). */
  bodyBytes: number;
  /** Raw HTTP bytes in WARC blocks, before WARC compression. */
  recordedBytes: number;
  records: number;
  pairs: number;
  truncated: number;
  revisits: number;
  dnsRecords: number;
  /** With --dedupe: revisits written and payload bytes not stored, in all and by source. */
  dedupe: DedupeSavings | null;
  /** Paths by their names on disk (see filesOnDisk). */
  files: string[];
  failures: CaptureFailure[];
  stopped: CaptureStop | null;
  /** The --left file and how many URLs it lists, when one was written. */
  left: { file: string; urls: number } | null;
  exitCode: number;
}

export function captureSummary(
  result: CaptureListResult,
  stats: Readonly<ClientStats>,
  extra: Pick<CaptureSummary, 'dedupe' | 'files' | 'stopped' | 'left' | 'exitCode'>,
): CaptureSummary {
  return {
    requests: result.requests,
    ok: result.requests - result.failures.length,
    failed: result.failures.length,
    notStarted: result.notStarted,
    bodyBytes: result.bytes,
    recordedBytes: stats.bytes,
    records: stats.written * 2,
    pairs: stats.written,
    truncated: stats.truncated,
    revisits: stats.revisits,
    dnsRecords: stats.dnsRecords,
    failures: result.failures,
    ...extra,
  };
}
