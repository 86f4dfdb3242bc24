import type { Backend, CaptureBlock, DigestAlgorithm, SpoolOptions } from '../backend/types';
import type { RequestHead, ResponseHead } from '../http/head';

/** WARC-Truncated values (WARC 1.1 §5.13) used by the capture. */
export type TruncationReason = 'length' | 'time' | 'disconnect' | 'unspecified';

/** Facts about the connection an exchange travelled on, for WARC fields. */
export interface ConnectionInfo {
  scheme: 'http' | 'https';
  /** host[:port] of the origin, used when a request has no Host header. */
  authority: string;
  /** Peer IP; absent when the connection went through a proxy. */
  remoteAddress?: string;
  proxied: boolean;
  /** e.g. 'TLSv1.3' (https only). */
  tlsProtocol?: string;
  /** OpenSSL/IANA cipher name (https only). */
  cipher?: string;
}

/**
 * One request and its response as captured on the wire. Owns its capture blocks
 * (spool + block and payload digests) until handed to the writer (which closes
 * them) or `discard()`ed.
 */
export class CapturedExchange<Tag> {
  /** When the first byte of the request was handed to the socket. */
  readonly date = new Date();
  /** The request block; no payload ranges are marked in it (request records carry no payload digest). */
  readonly request: CaptureBlock;
  requestHead: RequestHead | undefined;
  requestComplete = false;

  response: CaptureBlock | undefined;
  interimHeads: ResponseHead[] = [];
  responseHead: ResponseHead | undefined;
  /** Offset in `response` where the body starts (after the final head), once that head was parsed. */
  responseBodyStart: number | undefined;
  responseComplete = false;
  /** Payload bytes (de-chunked body) of the final response. */
  payloadLength = 0;
  /** Set when the response block is cut short; the record then carries WARC-Truncated. */
  truncated: TruncationReason | undefined;
  /** A framing error or a connection failure that ended this exchange. */
  error: Error | undefined;
  private discarded = false;

  constructor(
    private readonly backend: Backend,
    private readonly digestAlgorithm: DigestAlgorithm,
    private readonly spoolOptions: SpoolOptions,
    readonly connection: ConnectionInfo,
    public tag: Tag | undefined,
  ) {
    this.request = backend.createCaptureBlock({ spool: spoolOptions, digestAlgorithm });
  }

  startResponse(): void {
    this.response = this.backend.createCaptureBlock({ spool: this.spoolOptions, digestAlgorithm: this.digestAlgorithm });
  }

  /** Where the final response head starts in the response block (after any 1xx interim heads). */
  get finalHeadOffset(): number {
    return this.interimHeads.reduce((n, h) => n + h.length, 0);
  }

  /** True when the response can be written as a record (its head was parsed). */
  get hasResponse(): boolean {
    return this.responseHead !== undefined && this.response !== undefined;
  }

  /** Releases the spools (and their temp files) when the exchange is not written. Idempotent. */
  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.request.close();
    this.response?.close();
  }
}
