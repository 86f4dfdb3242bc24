/**
 * The `<file>.cdxj` written beside a WARC file as records land (from the
 * offsets the sink returned, never by re-reading), sorted when the file closes.
 */
import { promises as fsp } from 'node:fs';
import type { Spool } from '../../backend/types';
import { cdxjLine } from '../cdxj';
import { findField } from '../header';
import { DEFAULT_INDEX_TYPES, HEAD_PEEK, indexFields, skippedByDefault, type IndexFields } from '../read/index-entry';
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

function blockStart(block: Spool | Uint8Array): Uint8Array {
  return block instanceof Uint8Array ? block.subarray(0, HEAD_PEEK) : block.read(0, Math.min(HEAD_PEEK, block.size));
}

/** Index fields of a record about to be written (read before the sink closes its Spool). */
export function indexFieldsOfPrepared(record: PreparedRecord): IndexFields | undefined {
  if (!DEFAULT_INDEX_TYPES.includes(record.type)) return undefined;
  if (skippedByDefault(record.type, findField(record.fields, 'Content-Type'))) return undefined;
  return indexFields(record.type, (name) => findField(record.fields, name), blockStart(record.block));
}

export function cdxjFromWritten(fields: IndexFields, written: WrittenRecord): string {
  return cdxjLine({ ...fields, offset: written.offset, length: written.length, filename: written.filename });
}
