import type { Backend, CaptureBlock, DigestAlgorithm, SpoolOptions } from '../backend/types';
import type { RequestHead, ResponseHead } from '../http/head';
import type { ExchangeOutcome } from './outcome';

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
 * One request and its response as captured on the wire. The capture fills it;
 * once its outcome is out, the outcome's receiver owns the spools: the writer
 * closes the blocks it was given (after the write, failed or not), the
 * receiver `discard()`s what it does not hand over.
 */
export class CapturedExchange<Caller> {
  /** When the first byte of the request was handed to the socket. */
  readonly date = new Date();
  /** The request block; no payload ranges are marked in it (request records carry no payload digest). */
  readonly request: CaptureBlock;
  requestHead: RequestHead | undefined;
  requestComplete = false;
  /**
   * Set when the exchange ended before all of its request went out: not all handed to the
   * socket, or handed but still waiting in the socket's buffer (the peer answered early,
   * e.g. 413, and stopped reading). Its record is then `WARC-Truncated: disconnect`.
   */
  requestCut = false;

  response: CaptureBlock | undefined;
  interimHeads: ResponseHead[] = [];
  responseHead: ResponseHead | undefined;
  /** Offset in `response` where the body starts (after the final head), once that head was parsed. */
  responseBodyStart: number | undefined;
  /** Payload bytes (de-chunked body) of the final response. */
  payloadLength = 0;
  /** Set while capturing when the response body reached the size cap: later bytes are not kept. */
  truncated: TruncationReason | undefined;
  /** Why our side is about to close the connection under this exchange (told by the adapter, see CaptureConnection.cut). */
  cutReason: TruncationReason | undefined;
  private settledAs: ExchangeOutcome<Caller> | undefined;
  private discarded = false;

  constructor(
    private readonly backend: Backend,
    private readonly digestAlgorithm: DigestAlgorithm,
    private readonly spoolOptions: SpoolOptions,
    readonly connection: ConnectionInfo,
    /** The request's owner on the adapter's side (undefined when the adapter named none); its outcome goes there. */
    readonly caller: Caller | undefined,
    /** Bytes of the response body kept (see CaptureConnectionOptions.maxResponseBytes). */
    readonly maxResponseBytes: number,
  ) {
    this.request = backend.createCaptureBlock({ spool: spoolOptions, digestAlgorithm });
  }

  startResponse(): void {
    this.response = this.backend.createCaptureBlock({ spool: this.spoolOptions, digestAlgorithm: this.digestAlgorithm });
  }

  /** What the exchange came to; undefined while it is being captured. */
  get outcome(): ExchangeOutcome<Caller> | undefined {
    return this.settledAs;
  }

  /** Records the outcome, once (the capture's call); later calls are ignored and return false. */
  settle(outcome: ExchangeOutcome<Caller>): boolean {
    if (this.settledAs !== undefined) return false;
    this.settledAs = outcome;
    return true;
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

  /** Releases the response spool alone (a revisit is written instead of it; the request spool goes to the writer). */
  discardResponse(): void {
    this.response?.close();
  }
}
