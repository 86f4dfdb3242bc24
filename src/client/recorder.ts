import type { DigestEncoding } from '../backend/types';
import type { CapturedExchange } from '../capture/exchange';
import { exchangeRecords, targetUri } from '../capture/records';
import type { Logger } from '../obs/logger';
import type { WarcWriter } from '../warc/writer';
import { ClientError, DiscardedError } from './errors';
import type { RequestTag } from './request-tag';
import type { DiscardHook } from './settings';

/** Counts of what happened to captured exchanges. */
export interface RecorderStats {
  written: number;
  truncated: number;
  discarded: number;
  failed: number;
  /** Sum of request + response block bytes handed to the writer. */
  bytes: number;
}

/**
 * Decides the WARC outcome of each captured exchange and writes the pair:
 * complete or truncated responses are written (response then request);
 * exchanges without a parsed response head, or with malformed HTTP, are not.
 */
export class ExchangeRecorder {
  readonly stats: RecorderStats = { written: 0, truncated: 0, discarded: 0, failed: 0, bytes: 0 };
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly writer: WarcWriter,
    private readonly encoding: DigestEncoding,
    private readonly logger: Logger,
    private readonly discardHook: DiscardHook | undefined,
  ) {}

  record(ex: CapturedExchange<RequestTag>): void {
    const tag = ex.tag;
    if (tag?.truncation !== undefined && ex.truncated !== undefined && ex.truncated !== 'length' && !ex.responseComplete) {
      // The handler knows why it cut the connection (e.g. the whole-request timeout).
      ex.truncated = tag.truncation;
    }
    // Malformed HTTP or nothing to write: release the spools and report why.
    const fatal = ex.error !== undefined && (ex.truncated === undefined || !ex.hasResponse);
    if (fatal || !ex.hasResponse || ex.requestHead === undefined) {
      ex.discard();
      this.stats.failed++;
      const cause = ex.error ?? new ClientError('ERR_NOT_WRITTEN', 'the exchange has no response');
      this.logger.debug({ code: (cause as { code?: string }).code }, 'exchange not written');
      tag?.reject(cause);
      return;
    }
    const url = targetUri(ex);
    const head = ex.responseHead!;
    if (this.discardHook !== undefined) {
      let verdict: { discard: boolean; reason?: string };
      try {
        verdict = this.discardHook({ url, method: ex.requestHead.method, status: head.status, headers: head.headers });
      } catch (err) {
        verdict = { discard: true, reason: `DiscardHook threw: ${(err as Error).message}` };
      }
      if (verdict.discard) {
        ex.discard();
        this.stats.discarded++;
        tag?.reject(new DiscardedError(verdict.reason ?? 'no reason given'));
        return;
      }
    }
    const truncated = ex.truncated;
    const bytes = ex.request.size + ex.response!.size;
    const pair = exchangeRecords(ex, this.encoding);
    const p = this.writer.write([pair.response, pair.request]).then(
      ([response, request]) => {
        this.stats.written++;
        if (truncated !== undefined) this.stats.truncated++;
        this.stats.bytes += bytes;
        tag?.resolve({ url, status: head.status, response: response!, request: request!, ...(truncated ? { truncated } : {}) });
      },
      (err: Error) => {
        this.stats.failed++;
        this.logger.error({ err: err.message, url }, 'writing a record pair failed');
        tag?.reject(err);
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves once every write started so far has settled. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
