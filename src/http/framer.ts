import { ChunkedDecoder } from './chunked';
import { HttpParseError } from './errors';
import { HeadSectionEnd, headerCodings, headerValues, isInterim, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './head';

/**
 * Default limit of a head section (start line + fields + blank line), and of chunked trailers.
 * A response's 1xx interim heads count toward its final head's limit, so an origin cannot send them forever.
 */
export const DEFAULT_MAX_HEAD_BYTES = 64 * 1024;

/** Callbacks of a framer, in stream order. Every input byte goes to exactly one `onBytes`. */
export interface FramerEvents<H> {
  /** The first byte of a new message arrived (before its `onBytes`). */
  onMessageStart(): void;
  /** Raw bytes of the current message, exactly as on the wire. */
  onBytes(data: Uint8Array): void;
  /** A head was parsed. `interim` for 1xx responses kept in the same message. */
  onHead(head: H, interim: boolean): void;
  /**
   * De-chunked body bytes (content-encoding kept): the WARC payload. `offset` is where `data`
   * starts in the chunk being pushed; its raw bytes reach `onBytes` later in the same push
   * (unless the push throws).
   */
  onPayload(data: Uint8Array, offset: number): void;
  /** The current message ended (all its `onBytes` were delivered). */
  onMessageEnd(): void;
}

/** `switched`: the connection switched protocols (101); what follows is not HTTP and is not framed. */
type State = 'idle' | 'head' | 'length' | 'chunked' | 'close' | 'switched' | 'failed';

/** How the stream ended, from `finish()`. */
export type FinishResult = 'between-messages' | 'message-ended' | 'incomplete';

/**
 * Incremental HTTP/1.1 message framing over captured bytes (one direction of
 * one connection). Splits the stream into messages and hands out the payload.
 * Throws `HttpParseError` on malformed input; the framer is unusable afterwards.
 */
abstract class MessageFramer<H extends RequestHead | ResponseHead> {
  protected state: State = 'idle';
  private headParts: Uint8Array[] = [];
  private headLength = 0;
  /** Bytes of the current response's 1xx interim heads, part of `headLength`. */
  private interimLength = 0;
  private headEnd = new HeadSectionEnd();
  private remaining = 0;
  private chunked: ChunkedDecoder | null = null;
  private flushFrom = 0;
  private current: Uint8Array = new Uint8Array(0);

  constructor(
    protected readonly events: FramerEvents<H>,
    protected readonly maxHeadBytes: number = DEFAULT_MAX_HEAD_BYTES,
  ) {}

  /** True between messages (no partial message pending), and after a switch of protocols. */
  get idle(): boolean {
    return this.state === 'idle' || this.state === 'switched';
  }

  /** The connection switched protocols after the last message: later bytes are not HTTP. */
  get switched(): boolean {
    return this.state === 'switched';
  }

  push(chunk: Uint8Array): void {
    if (this.state === 'failed') throw new HttpParseError('ERR_HTTP_INCOMPLETE', 'framer already failed');
    if (this.state === 'switched') return;
    this.current = chunk;
    this.flushFrom = 0;
    try {
      this.run(chunk);
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
    // After a switch the rest of the chunk belongs to the new protocol.
    if (this.flushFrom < chunk.length && !this.switched) this.events.onBytes(chunk.subarray(this.flushFrom));
    this.current = new Uint8Array(0);
  }

  /** The stream ended (EOF). A close-delimited body ends here. */
  finish(): FinishResult {
    switch (this.state) {
      case 'idle':
      case 'switched':
      case 'failed':
        return 'between-messages';
      case 'close':
        this.state = 'idle';
        this.events.onMessageEnd();
        return 'message-ended';
      default:
        return 'incomplete';
    }
  }

  private run(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case 'idle':
          this.startHead();
          this.events.onMessageStart();
          break;
        case 'head':
          i = this.scanHead(chunk, i);
          break;
        case 'length': {
          const take = Math.min(this.remaining, n - i);
          this.events.onPayload(chunk.subarray(i, i + take), i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.endMessage(i);
          break;
        }
        case 'chunked': {
          const end = this.chunked!.write(chunk, i, (d, at) => this.events.onPayload(d, at));
          if (end < 0) i = n;
          else {
            i = end;
            this.endMessage(i);
          }
          break;
        }
        case 'close':
          this.events.onPayload(chunk.subarray(i), i);
          i = n;
          break;
        case 'switched':
        case 'failed':
          return;
      }
    }
  }

  private startHead(): void {
    this.state = 'head';
    this.headParts = [];
    this.headLength = this.interimLength;
    this.headEnd = new HeadSectionEnd();
  }

  /** Scans for the blank line ending the head; returns the next index. */
  private scanHead(chunk: Uint8Array, from: number): number {
    const n = chunk.length;
    const limit = Math.min(n, from + (this.maxHeadBytes - this.headLength));
    const end = this.headEnd.find(chunk, from, limit);
    if (end >= 0) {
      this.headLength += end - from;
      this.headParts.push(chunk.subarray(from, end));
      const bytes = Buffer.concat(this.headParts);
      this.headParts = [];
      // Deliver the head's raw bytes before the parsed head.
      this.events.onBytes(chunk.subarray(this.flushFrom, end));
      this.flushFrom = end;
      this.headDone(bytes);
      return end;
    }
    if (limit < n) {
      const what = this.interimLength > 0 ? 'head section (with the 1xx interim heads before it)' : 'head section';
      throw new HttpParseError('ERR_HTTP_HEAD_TOO_LARGE', `${what} over ${this.maxHeadBytes} bytes`);
    }
    this.headLength += n - from;
    // Copy: the socket may hand us views into buffers it reuses.
    this.headParts.push(Uint8Array.prototype.slice.call(chunk, from, n));
    return n;
  }

  protected abstract headDone(bytes: Uint8Array): void;

  protected bodyByLength(length: number): void {
    if (length === 0) this.endMessage(this.flushFrom);
    else {
      this.state = 'length';
      this.remaining = length;
    }
  }

  protected bodyChunked(): void {
    this.state = 'chunked';
    this.chunked = new ChunkedDecoder(this.maxHeadBytes);
  }

  protected bodyUntilClose(): void {
    this.state = 'close';
  }

  protected noBody(): void {
    this.endMessage(this.flushFrom);
  }

  /** The message ends with its head, and the stream with it: the connection speaks another protocol now. */
  protected switchProtocols(): void {
    this.endMessage(this.flushFrom);
    this.state = 'switched';
  }

  /** Another head follows in the same message (1xx interim response); the heads share one size limit. */
  protected anotherHead(): void {
    this.interimLength = this.headLength;
    this.startHead();
  }

  private endMessage(at: number): void {
    if (at > this.flushFrom) this.events.onBytes(this.current.subarray(this.flushFrom, at));
    this.flushFrom = at;
    this.state = 'idle';
    this.interimLength = 0;
    this.chunked = null;
    this.events.onMessageEnd();
  }
}

/** Parses Content-Length; undefined when absent. Identical repeated values are accepted. */
export function contentLength(head: RequestHead | ResponseHead): number | undefined {
  const values = headerValues(head.headers, 'content-length').flatMap((v) => v.split(',').map((s) => s.trim()));
  if (values.length === 0) return undefined;
  const first = values[0]!;
  if (!/^\d{1,15}$/.test(first) || values.some((v) => v !== first)) {
    throw new HttpParseError('ERR_HTTP_INVALID_CONTENT_LENGTH', `invalid Content-Length ${JSON.stringify(values.join(', ').slice(0, 60))}`);
  }
  return Number(first);
}

export class RequestFramer extends MessageFramer<RequestHead> {
  protected headDone(bytes: Uint8Array): void {
    const head = parseRequestHead(bytes);
    this.events.onHead(head, false);
    const codings = headerCodings(head.headers, 'transfer-encoding');
    if (codings.length > 0) {
      if (codings[codings.length - 1] !== 'chunked') {
        throw new HttpParseError('ERR_HTTP_INVALID_TRANSFER_ENCODING', `request transfer-encoding ${codings.join(', ')} does not end in chunked`);
      }
      this.bodyChunked();
      return;
    }
    this.bodyByLength(contentLength(head) ?? 0);
  }
}

export class ResponseFramer extends MessageFramer<ResponseHead> {
  /** Per request still waiting for its response: its method, and whether it offered an Upgrade. */
  private readonly requests: Array<{ method: string; upgrade: boolean }> = [];

  /**
   * Tells the framer about the next request on this connection: HEAD and
   * CONNECT change framing, and only a request that offered `Upgrade` may be
   * answered `101 Switching Protocols`.
   */
  expectResponseTo(method: string, offersUpgrade = false): void {
    this.requests.push({ method: method.toUpperCase(), upgrade: offersUpgrade });
  }

  protected headDone(bytes: Uint8Array): void {
    const head = parseResponseHead(bytes);
    if (isInterim(head)) {
      this.events.onHead(head, true);
      this.anotherHead();
      return;
    }
    const { method, upgrade } = this.requests.shift() ?? { method: 'GET', upgrade: false };
    if (head.status === 101 && !upgrade) {
      // RFC 9110 §15.2.2: a server switches only to a protocol the request offered; what follows is no HTTP we can frame.
      throw new HttpParseError('ERR_HTTP_UNREQUESTED_UPGRADE', '101 Switching Protocols answers a request that offered no Upgrade');
    }
    this.events.onHead(head, false);
    if (head.status === 101) {
      // The response is its head; the frames of the new protocol (e.g. WebSocket) are not HTTP messages.
      this.switchProtocols();
      return;
    }
    if (method === 'CONNECT' && head.status >= 200 && head.status < 300) {
      this.bodyUntilClose(); // the connection becomes a tunnel
      return;
    }
    if (method === 'HEAD' || head.status === 204 || head.status === 304) {
      this.noBody();
      return;
    }
    const codings = headerCodings(head.headers, 'transfer-encoding');
    if (codings.length > 0) {
      if (codings[codings.length - 1] === 'chunked') this.bodyChunked();
      else this.bodyUntilClose();
      return;
    }
    const length = contentLength(head);
    if (length === undefined) this.bodyUntilClose();
    else this.bodyByLength(length);
  }
}
