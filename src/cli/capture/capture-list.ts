import { errorMessage } from './error-message';
import { isFatalWriteError } from './fatal-write';
import type { WarcClient } from '../../client/warc-client';

export interface CaptureProgress {
  done: number;
  total: number;
  failed: number;
  /** Body bytes the callers received. */
  bytes: number;
}

export interface CaptureFailure {
  url: string;
  error: string;
}

export interface CaptureListResult {
  /** URLs fetched (or tried). */
  requests: number;
  failures: CaptureFailure[];
  /** Body bytes the callers received (decoded when content-encoded). */
  bytes: number;
  /** URLs never started because `stop` fired or a fatal write error stopped the run. */
  notStarted: number;
  /** The URLs that failed and those never started, in list order: what a resumed run still has to fetch. */
  left: string[];
  /** The fatal write error that stopped the run (see isFatalWriteError), if one did. */
  fatal?: unknown;
}

/**
 * Fetches every URL with at most `concurrency` in flight, reads each body to
 * the end and waits for its records to be written. A URL fails when the
 * fetch fails, or when nothing could be written for it. After a fatal write
 * error no further URL is started and `onFatal` is called (once).
 */
export async function captureList(
  client: WarcClient,
  urls: readonly string[],
  options: {
    concurrency: number;
    onProgress?: (p: CaptureProgress) => void;
    proxyType?: string;
    /** Extra request headers for every URL. */
    headers?: ReadonlyArray<readonly [string, string]>;
    /** When it fires, no further URL is started; those running finish (or fail). */
    stop?: AbortSignal;
    /** Rewords an error message for the audience (e.g. CLI flag names for setting names). */
    describe?: (err: unknown) => string;
    /** Called on the first fatal write error, e.g. to cut short the requests still running. */
    onFatal?: (err: unknown) => void;
  },
): Promise<CaptureListResult> {
  const failures: CaptureFailure[] = [];
  const failed = new Set<number>();
  let fatal: { err: unknown } | undefined;
  let next = 0;
  let done = 0;
  let bytes = 0;
  const report = (): void => options.onProgress?.({ done, total: urls.length, failed: failures.length, bytes });
  const worker = async (): Promise<void> => {
    while (next < urls.length && options.stop?.aborted !== true && fatal === undefined) {
      const index = next++;
      const url = urls[index]!;
      try {
        const res = await client.fetch(url, {
          ...(options.proxyType !== undefined ? { proxyType: options.proxyType } : {}),
          ...(options.headers !== undefined ? { headers: options.headers } : {}),
        });
        const body = res.nodeStream();
        for await (const chunk of body) bytes += (chunk as Buffer).length;
        await res.written;
        for (const hop of res.redirects) await hop.written;
      } catch (err) {
        failures.push({ url, error: (options.describe ?? errorMessage)(err) });
        failed.add(index);
        if (fatal === undefined && isFatalWriteError(err)) {
          fatal = { err };
          options.onFatal?.(err);
        }
      }
      done++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, urls.length)) }, worker));
  const left = urls.filter((_, i) => i >= next || failed.has(i));
  return { requests: next, failures, bytes, notStarted: urls.length - next, left, ...(fatal !== undefined ? { fatal: fatal.err } : {}) };
}
