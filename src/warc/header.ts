/**
 * Record header serialisation with validation: WARC/1.1, CRLF line ends,
 * a deterministic field order, and the mandatory fields of WARC 1.1 per type.
 */
import { headerValue, TOKEN, type FieldList } from '../http/head';
import { WarcError } from './errors';
import { blockSize, formatWarcDate, isRecordType, type WarcRecord, type WarcRecordType } from './record';

/** Fields the record model carries as properties; never accepted in `fields`. */
const PROPERTY_FIELDS = new Set(['warc-type', 'warc-record-id', 'warc-date', 'content-length']);

/** Known fields, in the order we write them (after Type, Record-ID, Date, Target-URI). */
const FIELD_ORDER = [
  'WARC-Concurrent-To',
  'WARC-Refers-To',
  'WARC-Refers-To-Target-URI',
  'WARC-Refers-To-Date',
  'WARC-Profile',
  'WARC-IP-Address',
  'WARC-Warcinfo-ID',
  'WARC-Filename',
  'WARC-Truncated',
  'WARC-Identified-Payload-Type',
  'WARC-Segment-Origin-ID',
  'WARC-Segment-Number',
  'WARC-Segment-Total-Length',
  'WARC-Block-Digest',
  'WARC-Payload-Digest',
];
const ORDER_INDEX = new Map(FIELD_ORDER.map((name, i) => [name.toLowerCase(), i]));

/** Types whose WARC-Target-URI is mandatory in WARC 1.1. */
const TARGET_REQUIRED: ReadonlySet<WarcRecordType> = new Set([
  'response',
  'resource',
  'request',
  'revisit',
  'conversion',
  'continuation',
]);

const BAD_VALUE = /[\r\n\0]/;
const RECORD_ID = /^<[^<>\s]+>$/;
const W3C_DATE = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

function invalid(field: string, why: string): WarcError {
  return new WarcError('ERR_WARC_INVALID_RECORD', `invalid WARC record: ${field} ${why}`, { field });
}

function checkValue(field: string, value: string): void {
  if (BAD_VALUE.test(value)) throw invalid(field, 'contains CR, LF or NUL');
}

/** All header lines of a record as [name, value] in write order, Content-Length last. Throws on invalid records. */
export function recordFields(record: WarcRecord): Array<[string, string]> {
  if (!isRecordType(record.type)) throw invalid('WARC-Type', `"${String(record.type)}" is not a WARC 1.1 record type`);
  if (typeof record.id !== 'string' || !RECORD_ID.test(record.id)) {
    throw invalid('WARC-Record-ID', `must be a URI in angle brackets, got ${JSON.stringify(record.id)}`);
  }
  if (record.date instanceof Date && Number.isNaN(record.date.getTime())) throw invalid('WARC-Date', 'is an invalid Date');
  const date = formatWarcDate(record.date);
  if (!W3C_DATE.test(date)) throw invalid('WARC-Date', `must be a W3C-ISO8601 date, got ${JSON.stringify(date)}`);

  let targetUri = record.targetUri;
  let contentType = record.contentType;
  const seen = new Set<string>();
  const known: Array<[number, string, string]> = [];
  const unknown: Array<[string, string]> = [];
  for (const [name, value] of record.fields ?? []) {
    if (!TOKEN.test(name)) throw invalid(JSON.stringify(name), 'is not a valid field name');
    const lower = name.toLowerCase();
    if (PROPERTY_FIELDS.has(lower)) throw invalid(name, 'is set from the record itself, not from fields');
    checkValue(name, value);
    if (lower === 'warc-target-uri' || lower === 'content-type') {
      const current = lower === 'content-type' ? contentType : targetUri;
      if (current !== undefined) throw invalid(name, 'is repeated');
      if (lower === 'content-type') contentType = value;
      else targetUri = value;
      continue;
    }
    // WARC-Protocol repeats by design (one per layer: http/1.1, tls/1.3), per the IIPC proposal.
    if (seen.has(lower) && lower !== 'warc-concurrent-to' && lower !== 'warc-protocol') throw invalid(name, 'is repeated');
    seen.add(lower);
    const order = ORDER_INDEX.get(lower);
    if (order === undefined) unknown.push([name, value]);
    else known.push([order, FIELD_ORDER[order], value]);
  }

  if (record.type === 'warcinfo' && targetUri !== undefined) throw invalid('WARC-Target-URI', 'is not allowed on warcinfo');
  if (TARGET_REQUIRED.has(record.type) && (targetUri === undefined || targetUri === '')) {
    throw invalid('WARC-Target-URI', `is mandatory on ${record.type} records`);
  }
  if (record.type === 'revisit' && !seen.has('warc-profile')) throw invalid('WARC-Profile', 'is mandatory on revisit records');
  if (record.type === 'continuation') {
    if (!seen.has('warc-segment-origin-id')) throw invalid('WARC-Segment-Origin-ID', 'is mandatory on continuation records');
    if (!seen.has('warc-segment-number')) throw invalid('WARC-Segment-Number', 'is mandatory on continuation records');
  }
  if (targetUri !== undefined) checkValue('WARC-Target-URI', targetUri);
  if (contentType !== undefined) checkValue('Content-Type', contentType);
  checkValue('WARC-Date', date);

  // Stable sort keeps repeated WARC-Concurrent-To in the caller's order.
  known.sort((a, b) => a[0] - b[0]);
  const out: Array<[string, string]> = [
    ['WARC-Type', record.type],
    ['WARC-Record-ID', record.id],
    ['WARC-Date', date],
  ];
  if (targetUri !== undefined) out.push(['WARC-Target-URI', targetUri]);
  for (const [, name, value] of known) out.push([name, value]);
  out.push(...unknown);
  if (contentType !== undefined) out.push(['Content-Type', contentType]);
  out.push(['Content-Length', String(blockSize(record.block))]);
  return out;
}

/**
 * Adds a known field (e.g. WARC-Block-Digest) to fields from recordFields(),
 * at its place in the deterministic order.
 */
export function insertKnownField(fields: Array<[string, string]>, name: string, value: string): Array<[string, string]> {
  const rank = ORDER_INDEX.get(name.toLowerCase());
  if (rank === undefined) throw new Error(`${name} is not a field with a fixed place`);
  checkValue(name, value);
  let at = fields.length - 1; // before Content-Length at the latest
  for (let i = 3; i < fields.length; i++) {
    const lower = fields[i][0].toLowerCase();
    if (lower === 'warc-target-uri') continue;
    const other = ORDER_INDEX.get(lower);
    if (other === undefined || other > rank) {
      at = i;
      break;
    }
  }
  return [...fields.slice(0, at), [name, value], ...fields.slice(at)];
}

/** Finds a field in a [name, value] list, case-insensitively. */
export function findField(fields: FieldList | undefined, name: string): string | undefined {
  return fields === undefined ? undefined : headerValue(fields, name);
}

/** The header bytes: `WARC/1.1`, the fields, the blank line. The block and `\r\n\r\n` follow. */
export function serializeHeader(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  let text = 'WARC/1.1\r\n';
  for (const [name, value] of fields) text += `${name}: ${value}\r\n`;
  text += '\r\n';
  return Buffer.from(text, 'utf8');
}
