/** CDXJ lines for the records of a WARC file (what `warcwire index` prints). */
import { basename } from 'node:path';
import type { Backend } from '../../backend/types';
import { cdxjLine } from '../cdxj';
import { ExchangePairer } from '../read/exchange-pairs';
import {
  DEFAULT_INDEX_TYPES,
  HEAD_PEEK,
  indexFields,
  REQUEST_PEEK,
  requestFacts,
  skippedByDefault,
  withRequest,
  type IndexFields,
  type RequestFacts,
} from '../read/index-entry';
import { WarcReader, type ReadRecord, type WarcReaderOptions } from '../read/reader';
import { noRecordIssue } from './check';

export interface IndexOptions {
  /** Record types to index (default response, revisit, resource, metadata). */
  types?: readonly string[];
  backend?: Backend;
  reader?: Omit<WarcReaderOptions, 'backend'>;
  /** Damage met while reading (also what made a record be left out). */
  onIssue?: WarcReaderOptions['onIssue'];
  /** The `filename` written in each line (default: the file's base name). */
  filename?: string;
}

/**
 * A record an index must not point at: its block or header was cut or
 * unreadable (a replay would serve a broken record). The damage itself is
 * reported through the reader's issues.
 */
export function damagedRecord(record: ReadRecord): boolean {
  if (!record.complete) return true;
  return record.issues.some((i) => i.severity === 'error' && (i.kind === 'truncated' || i.kind === 'header' || i.kind === 'header-too-long'));
}

interface Waiting {
  record: ReadRecord;
  fields: IndexFields;
  /** A response or revisit waits for the record after it, which may be its request. */
  unpaired: boolean;
}

export async function* indexFile(file: string, options: IndexOptions = {}): AsyncGenerator<string> {
  const types = options.types ?? DEFAULT_INDEX_TYPES;
  const all = types.includes('all');
  const filename = options.filename ?? basename(file);
  const reader = new WarcReader(file, {
    ...options.reader,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.onIssue ? { onIssue: options.onIssue } : {}),
  });
  // Lines wait here, in file order, until their record's compressed length is known
  // (whole-file gzip: at the member's end) and a response knows its request.
  const waiting: Waiting[] = [];
  const pairer = new ExchangePairer<{ line?: Waiting; request?: RequestFacts }>((response, request) => {
    if (response.line === undefined) return;
    if (request?.request !== undefined) response.line.fields = withRequest(response.line.fields, request.request);
    response.line.unpaired = false;
  });
  const ready = function* (all: boolean): Generator<string> {
    while (waiting.length > 0 && (all || (waiting[0].record.length !== undefined && !waiting[0].unpaired))) {
      const { record, fields } = waiting.shift() as Waiting;
      yield cdxjLine({ ...fields, offset: record.offset, length: record.length ?? 0, filename });
    }
  };
  let records = 0;
  for await (const record of reader) {
    records++;
    const indexed = all || (types.includes(record.type) && !(types === DEFAULT_INDEX_TYPES && skippedByDefault(record.type, record.contentType)));
    const isRequest = record.type === 'request';
    let line: Waiting | undefined;
    let request: RequestFacts | undefined;
    if (indexed || isRequest) {
      const start = await record.peek(isRequest ? REQUEST_PEEK : HEAD_PEEK);
      await record.finish();
      if (!damagedRecord(record)) {
        const fields = indexed ? indexFields(record.type, (name) => record.get(name), start) : undefined;
        if (fields) {
          line = { record, fields, unpaired: record.type === 'response' || record.type === 'revisit' };
          waiting.push(line);
        }
        if (isRequest) request = requestFacts(record.contentType, start);
      }
    }
    pairer.push({ type: record.type, targetUri: record.targetUri, value: { line, request } });
    yield* ready(false);
  }
  pairer.end();
  yield* ready(true);
  // As check says: a file with no record is not a WARC file, not an empty index.
  if (records === 0) options.onIssue?.(await noRecordIssue(file, reader.issues));
}
