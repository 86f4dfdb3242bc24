/** Whether a record holds less than its whole payload, as `ls` and `check` mark it. */
import type { ReadRecord } from './read-record';

/**
 * Once the record's block was read: the WARC-Truncated reason the writer gave
 * (length, time, disconnect, unspecified) and/or `cut` when the input ends or
 * breaks inside the record (its header or block), joined by ','; undefined for
 * a whole record. Never holds whitespace, so it stays one column of `ls`.
 */
export function truncationMark(record: ReadRecord): string | undefined {
  const marks: string[] = [];
  const declared = record.get('WARC-Truncated');
  if (declared !== undefined) marks.push(declared.trim().replace(/\s+/g, '_') || 'unspecified');
  if (!record.complete || record.issues.some((i) => i.kind === 'truncated')) marks.push('cut');
  return marks.length > 0 ? marks.join(',') : undefined;
}
