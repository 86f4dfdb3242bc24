import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { callerError, ClientError } from './errors';
import type { WrittenExchange } from './pending-write';

/** One redirect hop that `fetch()` followed; its pair is recorded like any other. */
export interface RedirectHop {
  url: string;
  status: number;
  written: Promise<WrittenExchange>;
}

/**
 * A fetch-like response. The body is streamed; whatever the caller does with
 * it (read all, read part, cancel, ignore), the exchange is captured: to its
 * end, or with `afterAbort: 'stop'` up to where the caller let go.
 */
export class WarcResponse {
  private used = false;
  private web: WebReadableStream<Uint8Array> | undefined;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly stream: Readable,
    /** Resolves once both records are on disk; rejects with the reason when nothing was written. */
    readonly written: Promise<WrittenExchange>,
    readonly redirects: readonly RedirectHop[],
    /** Most bytes bytes()/text()/json()/arrayBuffer() gather, decoded (the client's maxBufferedBodyBytes). */
    private readonly maxBufferedBytes: number,
    /** The origin's IP on the connection that carried the final hop; undefined when proxied. */
    readonly remoteAddress?: string,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get redirected(): boolean {
    return this.redirects.length > 0;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  /** The body as a web stream (decoded when decompressBody is on). */
  get body(): WebReadableStream<Uint8Array> {
    this.web ??= Readable.toWeb(this.take()) as WebReadableStream<Uint8Array>;
    return this.web;
  }

  /** The body as a Node stream. */
  nodeStream(): Readable {
    return this.take();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** The whole body, at most maxBufferedBodyBytes of it decoded (ClientError ERR_BODY_TOO_LARGE past it). */
  async bytes(): Promise<Buffer> {
    const stream = this.take();
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > this.maxBufferedBytes) {
          const message = `the body of ${this.url} is over maxBufferedBodyBytes (${this.maxBufferedBytes}) decoded; read it as a stream (nodeStream(), body) to take more`;
          throw new ClientError('ERR_BODY_TOO_LARGE', message);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw this.bodyError(err);
    }
    return Buffer.concat(chunks, size);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  /** Lets go of the body: as an abort after the head (see FetchInit.afterAbort). */
  async cancel(): Promise<void> {
    this.used = true;
    this.stream.on('error', () => undefined);
    this.stream.destroy();
  }

  /** What reading the body rejects with: typed as fetch() types errors (decoder failures already are, see decoded-body.ts). */
  private bodyError(err: unknown): Error {
    return callerError(err instanceof Error ? err : new Error(String(err)));
  }

  private take(): Readable {
    if (this.used) throw new TypeError('body already used');
    this.used = true;
    return this.stream;
  }
}
