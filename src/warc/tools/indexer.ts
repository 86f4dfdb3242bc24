/** CDXJ lines for the records of a WARC file (what `warcwire index` prints). */
import { basename } from 'node:path';
import type { Backend } from '../../backend/types';
import { cdxjLine } from '../cdxj';
import { DEFAULT_INDEX_TYPES, HEAD_PEEK, indexFields, skippedByDefault, type IndexFields } from '../read/index-entry';
import { WarcReader, type ReadRecord, type WarcReaderOptions } from '../read/reader';

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

export async function* indexFile(file: string, options: IndexOptions = {}): AsyncGenerator<string> {
  const types = options.types ?? DEFAULT_INDEX_TYPES;
  const all = types.includes('all');
  const filename = options.filename ?? basename(file);
  const reader = new WarcReader(file, {
    ...options.reader,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.onIssue ? { onIssue: options.onIssue } : {}),
  });
  // Lines wait here until their record's compressed length is known (whole-file gzip: at the member's end).
  const waiting: Array<{ record: ReadRecord; fields: IndexFields }> = [];
  const ready = function* (all: boolean): Generator<string> {
    while (waiting.length > 0 && (all || waiting[0].record.length !== undefined)) {
      const { record, fields } = waiting.shift() as { record: ReadRecord; fields: IndexFields };
      yield cdxjLine({ ...fields, offset: record.offset, length: record.length ?? 0, filename });
    }
  };
  for await (const record of reader) {
    if (!all && !types.includes(record.type)) continue;
    if (!all && types === DEFAULT_INDEX_TYPES && skippedByDefault(record.type, record.contentType)) continue;
    const start = await record.peek(HEAD_PEEK);
    await record.finish();
    if (damagedRecord(record)) continue;
    const fields = indexFields(record.type, (name) => record.get(name), start);
    if (fields) waiting.push({ record, fields });
    yield* ready(false);
  }
  yield* ready(true);
}
