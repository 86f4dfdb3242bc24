import type { DigestEncoding } from '../backend/types';
import type { ExchangeOutcome } from '../capture/outcome';
import { exchangeRecords, newPairIds, targetUri, type RecordPair } from '../capture/records';
import type { DedupeIndex } from '../dedupe/types';
import type { Logger } from '../obs/logger';
import type { WarcWriter } from '../warc/write/writer';
import type { ClientObserver } from './client-observer';
import { DiscardedError } from './errors';
import { dedupeLookup, revisitPair } from './dedupe-step';
import type { PendingWrite } from './pending-write';
import type { DiscardHook } from './settings';

/** Counts of what happened to captured exchanges. */
export interface RecorderStats {
  written: number;
  truncated: number;
  discarded: number;
  /** Responses written as revisits (dedupe hits). */
  revisits: number;
  failed: number;
  /** Sum of request + response block bytes handed to the writer. */
  bytes: number;
}

/**
 * Decides the WARC outcome of each captured exchange and writes the pair:
 * complete or truncated responses are written (response then request);
 * exchanges without a parsed response head, or with malformed HTTP, are not.
 *
 * | fault                          | caller gets                    | WARC                                   |
 * |--------------------------------|--------------------------------|----------------------------------------|
 * | reset / early close mid-body   | ERR_CONNECTION_CLOSED          | pair, `WARC-Truncated: disconnect`     |
 * | idle read timeout mid-body     | ERR_IDLE_READ_TIMEOUT          | pair, `WARC-Truncated: time`           |
 * | whole-request timeout          | ERR_REQUEST_TIMEOUT            | pair, `WARC-Truncated: time` (if a head came) |
 * | response over maxResponseBytes | the whole body                 | pair, `WARC-Truncated: length`         |
 * | malformed status line / header | ERR_HTTP_MALFORMED_*           | nothing (`written` rejects, same code) |
 * | invalid chunk size             | ERR_HTTP_INVALID_CHUNK         | nothing                                |
 * | heads (1xx ones too) over 64 KiB | ERR_HTTP_HEAD_TOO_LARGE       | nothing                                |
 * | 101 to a request without Upgrade | ERR_HTTP_UNREQUESTED_UPGRADE | nothing                                |
 * | 101 to a request with Upgrade  | the socket (onRequestUpgrade)  | pair, the 101 head alone; later bytes tunnelled, unrecorded |
 * | bare-LF head, complete framing | ERR_BAD_RESPONSE (undici)      | pair, as sent                          |
 * | we close a close-delimited body | the reason we closed          | pair, `WARC-Truncated: time` or `disconnect` |
 * | spool write fails (disk full)  | `written`: ERR_SPOOL_IO        | nothing; the connection is dropped     |
 * | no response head in time       | ERR_RESPONSE_HEADERS_TIMEOUT   | nothing (ERR_CAPTURE_NO_RESPONSE)      |
 * | TLS / dial failure             | ERR_TLS_HANDSHAKE, ERR_DIAL_*  | nothing (no bytes were exchanged)      |
 * | DiscardHook says discard       | the response as usual          | nothing (`written`: ERR_DISCARDED)     |
 * | caller aborts after the head, afterAbort 'stop' | its own abort reason | pair, `WARC-Truncated: length` (what arrived) |
 * | caller aborts after the head, afterAbort 'finish' | its own abort reason | complete pair (read to the end) |
 * | client.abort() / close({graceMs}) | ERR_ABORTED                 | pair, `WARC-Truncated` (if a head came), else nothing |
 * | early answer (413) while uploading | the response, or the socket error | pair; the request record `WARC-Truncated: disconnect` |
 *
 * Truncated records carry no WARC-Payload-Digest (the payload is incomplete);
 * their WARC-Block-Digest covers the bytes kept.
 */
export class ExchangeRecorder {
  readonly stats: RecorderStats = { written: 0, truncated: 0, discarded: 0, revisits: 0, failed: 0, bytes: 0 };
  private readonly inFlight = new Set<Promise<unknown>>();
  /** With dedupe, lookups run side by side but pairs are written in capture order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly writer: WarcWriter,
    private readonly encoding: DigestEncoding,
    private readonly logger: Logger,
    private readonly discardHook: DiscardHook | undefined,
    private readonly dedupe: DedupeIndex | undefined,
    /** Metrics and the seeds' log events (bytes, spool gauges, records written, failures). */
    private readonly observer: ClientObserver,
  ) {}

  /**
   * Takes one outcome and with it the exchange's spools: a failed or discarded
   * exchange's are released here; a written pair's blocks go to the writer,
   * which closes them after the write; a revisit's unused response spool is
   * released here before the write.
   */
  record(outcome: ExchangeOutcome<PendingWrite>): void {
    const ex = outcome.exchange;
    const pending = ex.caller;
    this.observer.exchangeCaptured(ex);
    if (outcome.state === 'failed') {
      ex.discard();
      this.observer.exchangeSettled(ex);
      this.stats.failed++;
      this.logger.debug({ code: outcome.error.code }, 'exchange not written');
      pending?.reject(outcome.error);
      return;
    }
    const truncated = outcome.state === 'truncated' ? outcome.reason : undefined;
    const url = targetUri(ex);
    const head = ex.responseHead!;
    if (this.discardHook !== undefined) {
      let verdict: { discard: boolean; reason?: string };
      try {
        verdict = this.discardHook({ url, method: ex.requestHead!.method, status: head.status, headers: head.headers });
      } catch (err) {
        verdict = { discard: true, reason: `DiscardHook threw: ${(err as Error).message}` };
      }
      if (verdict.discard) {
        ex.discard();
        this.observer.exchangeSettled(ex);
        this.stats.discarded++;
        const reason = verdict.reason ?? 'no reason given';
        this.observer.discarded(url, head.status, reason);
        pending?.reject(new DiscardedError(reason));
        return;
      }
    }
    const bytes = ex.request.size + ex.response!.size;
    const ids = newPairIds();
    const write = (pair: RecordPair): Promise<void> =>
      this.writer.write([pair.response, pair.request]).then(
        (records) => {
          const [response, request] = records;
          this.observer.exchangeSettled(ex);
          this.observer.recordsWritten(records, url);
          this.stats.written++;
          if (truncated !== undefined) this.stats.truncated++;
          const revisit = pair.response.type === 'revisit';
          if (revisit) this.stats.revisits++;
          this.stats.bytes += bytes;
          pending?.resolve({ url, status: head.status, response: response!, request: request!, ...(truncated ? { truncated } : {}), ...(revisit ? { revisit } : {}) });
        },
        (err: Error) => {
          this.observer.exchangeSettled(ex);
          this.stats.failed++;
          this.observer.writeFailed(err, url);
          pending?.reject(err);
        },
      );
    let p: Promise<void>;
    // Only a whole payload can be a duplicate.
    if (this.dedupe === undefined || truncated !== undefined) p = write(exchangeRecords(ex, this.encoding, ids, truncated));
    else {
      const hit = dedupeLookup(ex, url, ids.response, this.encoding, this.dedupe, pending?.dedupeBucket).catch((err: Error) => {
        this.logger.warn({ err: err.message, url }, 'dedupe lookup failed; writing the full response');
        return null;
      });
      p = Promise.all([hit, this.tail]).then(([found]) => {
        if (found === null) return write(exchangeRecords(ex, this.encoding, ids, undefined));
        const pair = revisitPair(ex, url, found, this.encoding, ids);
        ex.discardResponse();
        return write(pair);
      });
      this.tail = p;
    }
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves once every write started so far has settled. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
