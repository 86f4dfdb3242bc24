import type { DigestEncoding } from '../backend/types';
import { headerValue } from '../http/head';
import { newRecordId, type WarcRecord } from '../warc/record';
import type { CapturedExchange } from './exchange';

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

/**
 * The response and request records of a captured exchange (response first, as
 * written). The blocks are the exchange's spools; the writer takes them over.
 * Digests were computed while the bytes streamed in.
 */
export function exchangeRecords(exchange: CapturedExchange<unknown>, encoding: DigestEncoding): RecordPair {
  const uri = targetUri(exchange);
  const responseId = newRecordId();
  const requestId = newRecordId();
  const info = exchange.connection;
  const common: Array<[string, string]> = [];
  if (info.remoteAddress !== undefined && !info.proxied) common.push(['WARC-IP-Address', info.remoteAddress]);
  common.push(['WARC-Protocol', `http/${exchange.responseHead?.version ?? exchange.requestHead?.version ?? '1.1'}`]);
  if (info.tlsProtocol !== undefined) common.push(['WARC-Protocol', warcTlsProtocol(info.tlsProtocol)]);
  if (info.cipher !== undefined) common.push(['WARC-Cipher-Suite', info.cipher]);

  const responseFields: Array<[string, string]> = [['WARC-Concurrent-To', requestId], ...common];
  responseFields.push(['WARC-Block-Digest', exchange.response!.blockDigest(encoding)]);
  if (exchange.truncated === undefined) responseFields.push(['WARC-Payload-Digest', exchange.response!.payloadDigest(encoding)!]);
  else responseFields.push(['WARC-Truncated', exchange.truncated]);

  const requestFields: Array<[string, string]> = [['WARC-Concurrent-To', responseId], ...common];
  requestFields.push(['WARC-Block-Digest', exchange.request.blockDigest(encoding)]);

  return {
    response: {
      type: 'response',
      id: responseId,
      date: exchange.date,
      targetUri: uri,
      contentType: 'application/http;msgtype=response',
      fields: responseFields,
      block: exchange.response!,
    },
    request: {
      type: 'request',
      id: requestId,
      date: exchange.date,
      targetUri: uri,
      contentType: 'application/http;msgtype=request',
      fields: requestFields,
      block: exchange.request,
    },
  };
}
