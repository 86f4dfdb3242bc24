import type { Duplex } from 'node:stream';
import { BackendError } from '../backend/errors';
import type { Backend, DigestAlgorithm, SpoolOptions } from '../backend/types';
import { HttpParseError } from '../http/errors';
import { RequestFramer, ResponseFramer, DEFAULT_MAX_HEAD_BYTES } from '../http/framer';
import { headerValue, type RequestHead, type ResponseHead } from '../http/head';
import { ChunkSegment } from './chunk-segment';
import { CaptureError } from './errors';
import { CapturedExchange, type ConnectionInfo, type TruncationReason } from './exchange';
import type { CaptureFailure, ExchangeOutcome } from './outcome';
import { teeSocket } from './tee';

export interface CaptureConnectionOptions<Caller> {
  backend: Backend;
  digestAlgorithm: DigestAlgorithm;
  spool: SpoolOptions;
  /**
   * Bytes of one response body kept (the message body as sent, after the final
   * head; chunk framing counts). Heads are bounded by `maxHeadBytes` instead, so
   * a body of exactly this size is complete. Beyond, the record is truncated
   * (`WARC-Truncated: length`).
   */
  maxResponseBytes: number;
  /** This caller's own body cap, when it has one (overrides maxResponseBytes for its exchange). */
  maxResponseBytesOf?(caller: Caller): number | undefined;
  maxHeadBytes?: number;
  info: ConnectionInfo;
  /** The adapter's owner of the request whose first byte is being written now (undefined: none). */
  takeCaller(): Caller | undefined;
  /** A new exchange started (its request's first byte); its outcome reaches onOutcome later. */
  onExchangeStart?(exchange: CapturedExchange<Caller>): void;
  /** An exchange is over: its one outcome. Ownership of its spools passes to the receiver. */
  onOutcome(outcome: ExchangeOutcome<Caller>): void;
}

/** `ranges` ([start, end) pairs) cut to the first `length` bytes. */
function clipRanges(ranges: readonly number[], length: number): number[] {
  const clipped: number[] = [];
  for (let i = 0; i < ranges.length && ranges[i]! < length; i += 2) clipped.push(ranges[i]!, Math.min(ranges[i + 1]!, length));
  return clipped;
}

/** Truncation reason implied by the error a socket was destroyed with. */
function truncationFor(error: Error | undefined): TruncationReason {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'ETIMEDOUT') return 'time';
  return 'disconnect';
}

/** True when the pair can be written: both heads were parsed. */
function writable(ex: CapturedExchange<unknown>): boolean {
  return ex.hasResponse && ex.requestHead !== undefined;
}

/** A response cut short by `error`: written truncated when its head came, else nothing. */
function cutShort<Caller>(exchange: CapturedExchange<Caller>, reason: TruncationReason, error: CaptureFailure): ExchangeOutcome<Caller> {
  return writable(exchange) ? { state: 'truncated', reason, exchange, cause: error } : { state: 'failed', error, exchange };
}

/**
 * The capture core: takes the plaintext bytes of one connection (a socket
 * after TLS, or either side of a proxied connection) with the connection's
 * facts, and yields one outcome per exchange. Request bytes go to the oldest
 * exchange still being written, response bytes to the oldest exchange still
 * waiting for its response (HTTP/1.1 answers in order).
 */
export class CaptureConnection<Caller> {
  private readonly requests: RequestFramer;
  private readonly responses: ResponseFramer;
  /** Per direction, the share of the chunk being pushed that is not appended yet. */
  private readonly requestSegment = new ChunkSegment();
  private readonly responseSegment = new ChunkSegment();
  /** Exchanges whose response is not complete yet, oldest first. */
  private readonly open: Array<CapturedExchange<Caller>> = [];
  /** The exchange whose request is being written. */
  private writing: CapturedExchange<Caller> | undefined;
  private failed = false;
  private closed = false;
  /** The peer ended its side (FIN): only then does a close-delimited body end whole. */
  private peerEnded = false;
  private duplex: Duplex | undefined;

  constructor(private readonly options: CaptureConnectionOptions<Caller>) {
    const maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
    this.requests = new RequestFramer(
      {
        onMessageStart: () => {
          const caller = options.takeCaller();
          const limit = (caller !== undefined ? options.maxResponseBytesOf?.(caller) : undefined) ?? options.maxResponseBytes;
          const ex = new CapturedExchange<Caller>(options.backend, options.digestAlgorithm, options.spool, options.info, caller, limit);
          this.writing = ex;
          this.open.push(ex);
          options.onExchangeStart?.(ex);
        },
        onBytes: (d) => this.requestSegment.delivered(d.byteLength),
        onHead: (head: RequestHead) => {
          this.writing!.requestHead = head;
          this.responses.expectResponseTo(head.method, headerValue(head.headers, 'upgrade') !== undefined);
        },
        onPayload: () => {},
        onMessageEnd: () => {
          this.appendRequest();
          this.writing!.requestComplete = true;
          this.writing = undefined;
        },
      },
      maxHead,
    );
    this.responses = new ResponseFramer(
      {
        onMessageStart: () => {
          const ex = this.open[0];
          if (ex === undefined) throw new CaptureError('ERR_CAPTURE_UNSOLICITED', 'response bytes arrived with no request outstanding');
          ex.startResponse();
        },
        onBytes: (d) => this.responseSegment.delivered(d.byteLength),
        onHead: (head: ResponseHead, interim: boolean) => {
          const ex = this.open[0]!;
          if (interim) ex.interimHeads.push(head);
          else {
            ex.responseHead = head;
            // The head's bytes were delivered (onBytes comes first), appended or not: the body starts here.
            ex.responseBodyStart = ex.response!.size + this.responseSegment.pending;
          }
        },
        onPayload: (d, offset) => {
          this.open[0]!.payloadLength += d.byteLength;
          this.responseSegment.payload(offset, d.byteLength);
        },
        onMessageEnd: () => {
          this.appendResponse();
          const exchange = this.open.shift()!;
          if (exchange.requestHead === undefined) {
            const error = new CaptureError('ERR_CAPTURE_NO_REQUEST_HEAD', 'the response ended before the request head was complete');
            this.settle({ state: 'failed', error, exchange });
          } else if (exchange.truncated !== undefined) this.settle({ state: 'truncated', reason: exchange.truncated, exchange });
          else this.settle({ state: 'complete', exchange });
        },
      },
      maxHead,
    );
  }

  /** Starts observing `duplex` (its writes are requests, what it receives responses). */
  attach(duplex: Duplex): void {
    this.duplex = duplex;
    teeSocket(
      duplex,
      {
        onWrite: (chunk) => this.feed(this.requests, this.requestSegment, chunk),
        onRead: (chunk) => this.feed(this.responses, this.responseSegment, chunk),
        onReadEnd: () => {
          this.peerEnded = true;
          this.endOfResponses(undefined);
        },
        onClose: (error) => this.close(error),
      },
      (err) => this.fail(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /**
   * The adapter's word that our side is about to close the connection, and
   * why: the exchange being answered is then truncated with `reason` rather
   * than `disconnect`. Call it before destroying the socket.
   */
  cut(reason: TruncationReason): void {
    const ex = this.open[0];
    if (ex !== undefined) ex.cutReason ??= reason;
  }

  private settle(outcome: ExchangeOutcome<Caller>): void {
    const ex = outcome.exchange;
    // One request at a time per connection: bytes still buffered in the socket are this exchange's.
    ex.requestCut = !ex.requestComplete || (this.duplex?.writableLength ?? 0) > 0;
    if (ex.settle(outcome)) this.options.onOutcome(outcome);
  }


  /** Appends the request bytes gathered from this push, in one call. */
  private appendRequest(): void {
    const ex = this.writing;
    if (ex === undefined || this.requestSegment.pending === 0) return;
    const { bytes } = this.requestSegment.take();
    // A response may end before its request did (an early 413); the request spool is gone then.
    if (ex.outcome !== undefined) return;
    ex.request.append(bytes);
  }

  /** Appends the response bytes gathered from this push and their payload ranges, in one call. */
  private appendResponse(): void {
    const ex = this.open[0];
    if (ex === undefined || this.responseSegment.pending === 0) return;
    const { bytes, payloadRanges } = this.responseSegment.take();
    if (ex.truncated !== undefined) return;
    const block = ex.response!;
    const bodyStart = ex.responseBodyStart;
    // Head bytes are bounded by the framer's maxHeadBytes, not by the body cap.
    const room = bodyStart === undefined ? Infinity : bodyStart + ex.maxResponseBytes - block.size;
    if (bytes.byteLength <= room) {
      block.append(bytes, payloadRanges);
      return;
    }
    const keep = Math.max(0, room);
    block.append(bytes.subarray(0, keep), clipRanges(payloadRanges, keep));
    block.stopPayload();
    ex.truncated = 'length';
  }

  private feed(framer: RequestFramer | ResponseFramer, segment: ChunkSegment, chunk: Buffer): void {
    // After a 101 the connection carries another protocol (e.g. WebSocket frames) both ways: it is tunnelled, not recorded.
    if (this.failed || this.closed || this.responses.switched) return;
    segment.begin(chunk);
    try {
      try {
        framer.push(chunk);
      } finally {
        // What the framer delivered is captured even when it then failed (a bad head is kept).
        if (framer === this.requests) this.appendRequest();
        else this.appendResponse();
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * A framing or spool error: the exchange in progress fails and the socket is
   * destroyed, since later bytes on it cannot be captured; so undici fails what
   * else it sent on this connection rather than leaving it unrecorded forever.
   * The tee sees received bytes before the socket's consumer does, so the
   * consumer never parses the bytes that failed here: it gets this typed error.
   */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    const ex = this.open.shift();
    const known = error instanceof HttpParseError || error instanceof CaptureError || error instanceof BackendError;
    const failure: CaptureFailure = known ? error : new CaptureError('ERR_CAPTURE_INTERNAL', error.message, { cause: error });
    // Past the size cap the bytes kept are a whole truncated record; a later framing error does not undo that.
    if (ex !== undefined) {
      this.settle(ex.truncated !== undefined ? cutShort(ex, ex.truncated, failure) : { state: 'failed', error: failure, exchange: ex });
      this.duplex?.destroy(failure);
      return;
    }
    // No exchange was in progress: the bad bytes came after every response (a body sent with a
    // HEAD or 304 answer, in the same packet as its head). The consumer gets this chunk first, so
    // it has the responses that ended in it (undici reads on 'readable', a tick later); then the connection goes.
    const duplex = this.duplex;
    setImmediate(() => duplex?.destroy(error));
  }

  private endOfResponses(error: Error | undefined): void {
    if (this.failed || this.closed) return;
    // Closed on our side (undici gave up, an abort, a timeout) or reset: a body running to EOF is cut, not complete.
    const result = this.peerEnded ? this.responses.finish() : this.responses.idle ? 'between-messages' : 'incomplete';
    if (result === 'incomplete') {
      const ex = this.open.shift();
      this.failed = true;
      if (ex !== undefined) {
        const closed = new CaptureError('ERR_CAPTURE_CONNECTION_CLOSED', 'the connection closed before the response ended', { cause: error });
        this.settle(cutShort(ex, ex.truncated ?? ex.cutReason ?? truncationFor(error), closed));
      }
    }
  }

  private close(error: Error | undefined): void {
    this.endOfResponses(error);
    this.closed = true;
    // Requests that never got a response: nothing to write, but release and report them.
    for (const exchange of this.open.splice(0)) {
      const noResponse = new CaptureError('ERR_CAPTURE_NO_RESPONSE', 'the connection closed before a response arrived', { cause: error });
      this.settle({ state: 'failed', error: noResponse, exchange });
    }
  }
}
