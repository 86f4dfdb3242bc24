import type { DigestEncoding } from '../backend/types';
import { headerValue } from '../http/head';
import { newRecordId, type WarcRecord } from '../warc/record';
import type { CapturedExchange, TruncationReason } from './exchange';

/** `TLSv1.3` → `tls/1.3` (the WARC-Protocol spelling). */
export function warcTlsProtocol(nodeName: string): string {
  const m = /^TLSv(\d(?:\.\d)?)$/.exec(nodeName);
  if (m === null) return nodeName.toLowerCase();
  return `tls/${m[1]!.includes('.') ? m[1] : `${m[1]}.0`}`;
}

/** WARC-Target-URI: absolute-form targets as sent, otherwise scheme + Host + target. */
export function targetUri(exchange: CapturedExchange<unknown>): string {
  const head = exchange.requestHead!;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(head.target)) return head.target;
  const host = headerValue(head.headers, 'host') ?? exchange.connection.authority;
  const path = head.target.startsWith('/') ? head.target : `/${head.target === '*' ? '' : head.target}`;
  return `${exchange.connection.scheme}://${host}${path}`;
}

export interface RecordPair {
  response: WarcRecord;
  request: WarcRecord;
}

/** Record ids of a pair, chosen before it is built (a dedupe lookup names the response's id). */
export interface PairIds {
  response: string;
  request: string;
}

export function newPairIds(): PairIds {
  return { response: newRecordId(), request: newRecordId() };
}

/** What the connection adds to each record: the peer IP (direct connections only) and the fields any response kind carries. */
export function connectionFields(exchange: CapturedExchange<unknown>): { ipAddress: string | undefined; carried: Array<[string, string]> } {
  const info = exchange.connection;
  const carried: Array<[string, string]> = [['WARC-Protocol', `http/${exchange.responseHead?.version ?? exchange.requestHead?.version ?? '1.1'}`]];
  if (info.tlsProtocol !== undefined) carried.push(['WARC-Protocol', warcTlsProtocol(info.tlsProtocol)]);
  if (info.cipher !== undefined) carried.push(['WARC-Cipher-Suite', info.cipher]);
  return { ipAddress: info.remoteAddress !== undefined && !info.proxied ? info.remoteAddress : undefined, carried };
}

function commonFields(exchange: CapturedExchange<unknown>): Array<[string, string]> {
  const { ipAddress, carried } = connectionFields(exchange);
  return ipAddress === undefined ? carried : [['WARC-IP-Address', ipAddress], ...carried];
}

/**
 * The request record of an exchange (its block is the request spool, which the writer takes over).
 * A request whose exchange ended before all of it went out (the peer answered early, e.g. 413,
 * and stopped reading while we uploaded) is `WARC-Truncated: disconnect`: its block holds what
 * was handed to the socket by then, which the peer did not all read.
 */
export function requestRecord(exchange: CapturedExchange<unknown>, encoding: DigestEncoding, id: string, concurrentTo: string): WarcRecord {
  const fields: Array<[string, string]> = [['WARC-Concurrent-To', concurrentTo], ...commonFields(exchange), ['WARC-Block-Digest', exchange.request.blockDigest(encoding)]];
  if (exchange.requestCut) fields.push(['WARC-Truncated', 'disconnect']);
  return {
    type: 'request',
    id,
    date: exchange.date,
    targetUri: targetUri(exchange),
    contentType: 'application/http;msgtype=request',
    fields,
    block: exchange.request,
  };
}

/**
 * The response and request records of a captured exchange (response first, as
 * written), `truncated` when the outcome says so. The blocks are the exchange's
 * spools; the writer takes them over. Digests were computed while the bytes
 * streamed in.
 */
export function exchangeRecords(exchange: CapturedExchange<unknown>, encoding: DigestEncoding, ids: PairIds, truncated: TruncationReason | undefined): RecordPair {
  const responseFields: Array<[string, string]> = [['WARC-Concurrent-To', ids.request], ...commonFields(exchange)];
  responseFields.push(['WARC-Block-Digest', exchange.response!.blockDigest(encoding)]);
  if (truncated === undefined) responseFields.push(['WARC-Payload-Digest', exchange.response!.payloadDigest(encoding)!]);
  else responseFields.push(['WARC-Truncated', truncated]);
  return {
    response: {
      type: 'response',
      id: ids.response,
      date: exchange.date,
      targetUri: targetUri(exchange),
      contentType: 'application/http;msgtype=response',
      fields: responseFields,
      block: exchange.response!,
    },
    request: requestRecord(exchange, encoding, ids.request, ids.response),
  };
}
