import type { Socket } from 'node:net';
import { BackendError } from '../backend/errors';
import type { Backend, DigestAlgorithm, SpoolOptions } from '../backend/types';
import { HttpParseError } from '../http/errors';
import { RequestFramer, ResponseFramer, DEFAULT_MAX_HEAD_BYTES } from '../http/framer';
import { headerValue, type RequestHead, type ResponseHead } from '../http/head';
import { ChunkSegment } from './chunk-segment';
import { CaptureError } from './errors';
import { CapturedExchange, type ConnectionInfo, type TruncationReason } from './exchange';
import { teeSocket } from './tee';

export interface CaptureConnectionOptions<Tag> {
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
  maxHeadBytes?: number;
  info: ConnectionInfo;
  /** The caller's tag for the request whose first byte is being written now. */
  takeTag(): Tag | undefined;
  /** A new exchange started (its request's first byte); it will reach onExchange later. */
  onExchangeStart?(exchange: CapturedExchange<Tag>): void;
  /** An exchange is over (complete, truncated or failed). Ownership of its spools passes on. */
  onExchange(exchange: CapturedExchange<Tag>): void;
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

/**
 * Splits the traffic of one kept-alive connection into exchanges: request
 * bytes go to the oldest exchange still being written, response bytes to the
 * oldest exchange still waiting for its response (HTTP/1.1 answers in order).
 */
export class CaptureConnection<Tag> {
  private readonly requests: RequestFramer;
  private readonly responses: ResponseFramer;
  /** Per direction, the share of the chunk being pushed that is not appended yet. */
  private readonly requestSegment = new ChunkSegment();
  private readonly responseSegment = new ChunkSegment();
  /** Exchanges whose response is not complete yet, oldest first. */
  private readonly open: Array<CapturedExchange<Tag>> = [];
  /** The exchange whose request is being written. */
  private writing: CapturedExchange<Tag> | undefined;
  private failed = false;
  private closed = false;
  /** The peer ended its side (FIN): only then does a close-delimited body end whole. */
  private peerEnded = false;
  private socket: Socket | undefined;

  constructor(private readonly options: CaptureConnectionOptions<Tag>) {
    const maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
    this.requests = new RequestFramer(
      {
        onMessageStart: () => {
          const ex = new CapturedExchange<Tag>(options.backend, options.digestAlgorithm, options.spool, options.info, options.takeTag());
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
          const ex = this.open.shift()!;
          ex.responseComplete = true;
          this.options.onExchange(ex);
        },
      },
      maxHead,
    );
  }

  /** Starts observing `socket`. */
  attach(socket: Socket): void {
    this.socket = socket;
    teeSocket(
      socket,
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

  /** Appends the request bytes gathered from this push, in one call. */
  private appendRequest(): void {
    const ex = this.writing;
    if (ex === undefined || this.requestSegment.pending === 0) return;
    const { bytes } = this.requestSegment.take();
    // A response may end before its request did (an early 413); the request spool is gone then.
    if (ex.responseComplete || ex.error !== undefined) return;
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
    const room = bodyStart === undefined ? Infinity : bodyStart + this.options.maxResponseBytes - block.size;
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
    if (this.failed || this.closed) return;
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
   */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    const ex = this.open.shift();
    if (ex !== undefined) {
      const known = error instanceof HttpParseError || error instanceof CaptureError || error instanceof BackendError;
      ex.error = known ? error : new CaptureError('ERR_CAPTURE_INTERNAL', error.message, { cause: error });
      this.options.onExchange(ex);
    }
    this.socket?.destroy(ex?.error ?? error);
  }

  private endOfResponses(error: Error | undefined): void {
    if (this.failed || this.closed) return;
    // Closed on our side (undici gave up, an abort, a timeout) or reset: a body running to EOF is cut, not complete.
    const result = this.peerEnded ? this.responses.finish() : this.responses.idle ? 'between-messages' : 'incomplete';
    if (result === 'incomplete') {
      const ex = this.open.shift();
      this.failed = true;
      if (ex !== undefined) {
        ex.truncated ??= truncationFor(error);
        ex.error = new CaptureError('ERR_CAPTURE_CONNECTION_CLOSED', 'the connection closed before the response ended', { cause: error });
        this.options.onExchange(ex);
      }
    }
  }

  private close(error: Error | undefined): void {
    this.endOfResponses(error);
    this.closed = true;
    // Requests that never got a response: nothing to write, but release and report them.
    for (const ex of this.open.splice(0)) {
      ex.error = new CaptureError('ERR_CAPTURE_NO_RESPONSE', 'the connection closed before a response arrived', { cause: error });
      this.options.onExchange(ex);
    }
  }
}
