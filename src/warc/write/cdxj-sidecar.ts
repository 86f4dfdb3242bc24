/**
 * The `<file>.cdxj` written beside a WARC file as records land (from the
 * offsets the sink returned, never by re-reading), sorted when the file closes.
 */
import { promises as fsp } from 'node:fs';
import type { Spool } from '../../backend/types';
import { cdxjLine } from '../cdxj';
import { findField } from '../header';
import { ExchangePairer } from '../read/exchange-pairs';
import { DEFAULT_INDEX_TYPES, HEAD_PEEK, indexFields, REQUEST_PEEK, requestFacts, skippedByDefault, withRequest, type IndexFields } from '../read/index-entry';
import type { PreparedRecord, WrittenRecord } from './warc-file';

export interface CdxjSidecar {
  add(line: string): void;
  flush(): Promise<void>;
  /** Sorts the lines (CDXJ readers binary-search) and closes. */
  close(): Promise<void>;
}

export async function openCdxjSidecar(path: string): Promise<CdxjSidecar> {
  const handle = await fsp.open(path, 'a');
  let pending: string[] = [];
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const sidecar: CdxjSidecar = {
    add(line) {
      pending.push(line + '\n');
    },
    flush() {
      if (pending.length > 0) {
        const text = pending.join('');
        pending = [];
        // One append at a time: concurrent appends on one handle may interleave.
        chain = chain.then(() => handle.appendFile(text));
      }
      return chain;
    },
    async close() {
      if (closed) return;
      closed = true;
      await sidecar.flush();
      await handle.close();
      const lines = (await fsp.readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
      lines.sort();
      await fsp.writeFile(path, lines.map((l) => l + '\n').join(''));
    },
  };
  return sidecar;
}

function blockStart(block: Spool | Uint8Array, limit: number): Uint8Array {
  return block instanceof Uint8Array ? block.subarray(0, limit) : block.read(0, Math.min(limit, block.size));
}

/** Index fields of a record about to be written (read before the sink closes its Spool). */
function indexFieldsOfPrepared(record: PreparedRecord): IndexFields | undefined {
  if (!DEFAULT_INDEX_TYPES.includes(record.type)) return undefined;
  if (skippedByDefault(record.type, findField(record.fields, 'Content-Type'))) return undefined;
  return indexFields(record.type, (name) => findField(record.fields, name), blockStart(record.block, HEAD_PEEK));
}

/**
 * Index fields of a batch about to be written, one per record (undefined: no
 * line); a response whose request is beside it in the batch is keyed with it,
 * as `index` keys it (a batch is written whole, so it is the pair's neighbourhood).
 */
export function indexFieldsOfBatch(batch: readonly PreparedRecord[]): Array<IndexFields | undefined> {
  const fields = batch.map(indexFieldsOfPrepared);
  const pairer = new ExchangePairer<number>((response, request) => {
    const own = fields[response];
    if (own === undefined || request === undefined) return;
    const r = batch[request];
    const facts = requestFacts(findField(r.fields, 'Content-Type'), blockStart(r.block, REQUEST_PEEK));
    if (facts) fields[response] = withRequest(own, facts);
  });
  batch.forEach((r, i) => pairer.push({ type: r.type, targetUri: findField(r.fields, 'WARC-Target-URI'), value: i }));
  pairer.end();
  return fields;
}

export function cdxjFromWritten(fields: IndexFields, written: WrittenRecord): string {
  return cdxjLine({ ...fields, offset: written.offset, length: written.length, filename: written.filename });
}
