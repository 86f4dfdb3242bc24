/**
 * The WARC record model: what a caller hands to the writer. The block is the
 * record's content (for `response`/`request`, the raw HTTP message bytes).
 */
import { randomUUID } from 'node:crypto';
import type { Spool } from '../backend/types';

export type WarcRecordType =
  | 'warcinfo'
  | 'response'
  | 'resource'
  | 'request'
  | 'metadata'
  | 'revisit'
  | 'conversion'
  | 'continuation';

export const WARC_RECORD_TYPES: readonly WarcRecordType[] = [
  'warcinfo',
  'response',
  'resource',
  'request',
  'metadata',
  'revisit',
  'conversion',
  'continuation',
];

export interface WarcRecord {
  type: WarcRecordType;
  /** `<urn:uuid:…>`, from newRecordId(). */
  id: string;
  /** WARC-Date; a Date is written UTC with millisecond precision, a string as given. */
  date: Date | string;
  targetUri?: string;
  contentType?: string;
  /** Other WARC fields (WARC-Concurrent-To, WARC-IP-Address, WARC-Payload-Digest, WARC-Block-Digest, WARC-Truncated, WARC-Refers-To…). */
  fields?: ReadonlyArray<readonly [string, string]>;
  /** Spool from the backend or bytes; Content-Length is its size. The writer takes ownership of a Spool. */
  block: Spool | Uint8Array;
}

/** A fresh record id `<urn:uuid:…>` (random, version 4). */
export function newRecordId(): string {
  return `<urn:uuid:${randomUUID()}>`;
}

export function isRecordType(value: string): value is WarcRecordType {
  return (WARC_RECORD_TYPES as readonly string[]).includes(value);
}

/** Size of a block whether it is a Spool or bytes. */
export function blockSize(block: Spool | Uint8Array): number {
  return block instanceof Uint8Array ? block.byteLength : block.size;
}

/** WARC-Date text: ISO 8601 UTC with milliseconds for a Date, verbatim for a string. */
export function formatWarcDate(date: Date | string): string {
  return typeof date === 'string' ? date : date.toISOString();
}
