/**
 * Revisit records (WARC 1.1 §6.7): what the client writes instead of a response whose
 * payload is already archived, and — optionally — for a 304 answer to a conditional
 * request. The block is the HTTP response head only; the payload is elsewhere.
 */
import { formatWarcDate, newRecordId, type WarcRecord } from '../warc/record';
import { cdxTimestampToIso } from './candidate';
import { DedupeError } from './errors';
import type { DedupeHit } from './types';

export const IDENTICAL_PAYLOAD_PROFILE = 'http://netpreserve.org/warc/1.1/revisit/identical-payload-digest';
export const SERVER_NOT_MODIFIED_PROFILE = 'http://netpreserve.org/warc/1.1/revisit/server-not-modified';
/** Byte-identical to what the client writes on response records (capture/records.ts), so tools grouping by Content-Type see one value. */
export const HTTP_RESPONSE_CONTENT_TYPE = 'application/http;msgtype=response';

export interface RevisitInput {
  targetUri: string;
  date: Date;
  /** HTTP status line + headers + CRLFCRLF, nothing more. */
  responseHead: Uint8Array;
  payloadDigest: string;
  hit: DedupeHit;
  /** Record id of the request record written with it. */
  concurrentTo?: string;
  ipAddress?: string;
  extraFields?: ReadonlyArray<readonly [string, string]>;
}

export function buildRevisitRecord(input: RevisitInput): WarcRecord {
  checkHead(input.responseHead);
  const fields: Array<readonly [string, string]> = [];
  if (input.concurrentTo !== undefined) fields.push(['WARC-Concurrent-To', input.concurrentTo]);
  if (input.hit.recordId !== undefined) fields.push(['WARC-Refers-To', input.hit.recordId]);
  fields.push(['WARC-Refers-To-Target-URI', input.hit.targetUri]);
  fields.push(['WARC-Refers-To-Date', refersToDate(input.hit.date)]);
  fields.push(['WARC-Profile', IDENTICAL_PAYLOAD_PROFILE]);
  if (input.ipAddress !== undefined) fields.push(['WARC-IP-Address', input.ipAddress]);
  fields.push(['WARC-Truncated', 'length']);
  fields.push(['WARC-Payload-Digest', input.payloadDigest]);
  fields.push(...(input.extraFields ?? []));
  return revisitRecord(input, fields);
}

export interface NotModifiedInput {
  targetUri: string;
  date: Date;
  /** The whole 304 response head (a 304 has no body). */
  responseHead: Uint8Array;
  /** The earlier capture the conditional request was based on, when the crawler knows it. */
  refersTo?: { recordId?: string; targetUri: string; date: Date | string };
  concurrentTo?: string;
  ipAddress?: string;
  extraFields?: ReadonlyArray<readonly [string, string]>;
}

/** A server-not-modified revisit for a 304 answer (used when the client's `revisitOn304` is on). */
export function buildNotModifiedRevisit(input: NotModifiedInput): WarcRecord {
  checkHead(input.responseHead);
  const fields: Array<readonly [string, string]> = [];
  if (input.concurrentTo !== undefined) fields.push(['WARC-Concurrent-To', input.concurrentTo]);
  if (input.refersTo?.recordId !== undefined) fields.push(['WARC-Refers-To', input.refersTo.recordId]);
  if (input.refersTo !== undefined) {
    fields.push(['WARC-Refers-To-Target-URI', input.refersTo.targetUri]);
    fields.push(['WARC-Refers-To-Date', refersToDate(input.refersTo.date)]);
  }
  fields.push(['WARC-Profile', SERVER_NOT_MODIFIED_PROFILE]);
  if (input.ipAddress !== undefined) fields.push(['WARC-IP-Address', input.ipAddress]);
  fields.push(...(input.extraFields ?? []));
  return revisitRecord(input, fields);
}

/** The parts both kinds of revisit share: the head-only block and the record around it. */
function revisitRecord(input: { targetUri: string; date: Date; responseHead: Uint8Array }, fields: Array<readonly [string, string]>): WarcRecord {
  return {
    type: 'revisit',
    id: newRecordId(),
    date: input.date,
    targetUri: input.targetUri,
    contentType: HTTP_RESPONSE_CONTENT_TYPE,
    fields,
    block: input.responseHead,
  };
}

/**
 * True when a 304 should become a server-not-modified revisit: the status is 304 and the
 * request was conditional (If-Modified-Since or If-None-Match), as WARC 1.1 describes.
 */
export function isNotModifiedAnswer(status: number, requestHeaders: Iterable<readonly [string, string]> | Record<string, string | string[] | undefined>): boolean {
  if (status !== 304) return false;
  const names = Symbol.iterator in requestHeaders ? [...(requestHeaders as Iterable<readonly [string, string]>)].map(([n]) => n) : Object.keys(requestHeaders);
  return names.some((n) => /^if-(modified-since|none-match)$/i.test(n));
}

/** W3C-ISO8601 for WARC-Refers-To-Date; CDX's 14-digit timestamps are converted. */
function refersToDate(date: Date | string): string {
  if (date instanceof Date) {
    if (Number.isNaN(date.getTime())) throw new DedupeError('ERR_DEDUPE_INPUT', 'refers-to date is an invalid Date');
    return formatWarcDate(date);
  }
  return /^\d{4,14}$/.test(date) ? (cdxTimestampToIso(date) ?? date) : date;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** The block must be an HTTP response head and nothing else — never a payload. */
function checkHead(head: Uint8Array): void {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const end = buf.indexOf(CRLFCRLF);
  if (!buf.subarray(0, 5).equals(Buffer.from('HTTP/')) || end === -1 || end + 4 !== buf.length) {
    throw new DedupeError('ERR_DEDUPE_INPUT', 'responseHead must be exactly an HTTP status line and headers ending in CRLFCRLF');
  }
}
