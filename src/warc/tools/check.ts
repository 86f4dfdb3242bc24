/** Reads a whole file in tolerant mode, verifying every record: what `warcwire check` reports. */
import { promises as fsp } from 'node:fs';
import type { ReadIssue } from '../read/read-issues';
import type { ReadRecordType } from '../read/read-record';
import { WarcReader, type WarcReaderOptions } from '../read/reader';
import { truncationMark } from '../read/truncation';
import { verifyRecord, type VerifyOutcome } from './verify';

export interface CheckedRecord {
  offset: number;
  id: string;
  type: ReadRecordType;
  /** See ReadRecord.length: absent when the record's extent could not be known. */
  length?: number;
  digests: VerifyOutcome;
  /** Set when the record holds less than its whole payload: see truncationMark (e.g. `length`, `cut`). */
  truncated?: string;
  issues: ReadIssue[];
}

export interface CheckReport {
  file: string;
  records: CheckedRecord[];
  /** Every issue, reader-level and per record, in the order found. */
  issues: ReadIssue[];
  /** Issues of severity 'error'. */
  errors: ReadIssue[];
}

export interface CheckOptions extends Omit<WarcReaderOptions, 'strict'> {
  /** Called for each record once checked. */
  onRecord?: (record: CheckedRecord) => void | Promise<void>;
  /** Keep every record in the report (default true; false keeps memory flat on huge files). */
  keepRecords?: boolean;
}

export async function checkFile(file: string, options: CheckOptions = {}): Promise<CheckReport> {
  const { onRecord, keepRecords = true, ...readerOptions } = options;
  const reader = new WarcReader(file, { ...readerOptions, strict: false });
  const records: CheckedRecord[] = [];
  let count = 0;
  for await (const record of reader) {
    count++;
    const digests = await verifyRecord(record);
    await record.finish();
    const truncated = truncationMark(record);
    const checked: CheckedRecord = {
      offset: record.offset,
      id: record.id,
      type: record.type,
      ...(record.length !== undefined ? { length: record.length } : {}),
      digests,
      ...(truncated !== undefined ? { truncated } : {}),
      issues: record.issues,
    };
    if (keepRecords) records.push(checked);
    await onRecord?.(checked);
  }
  const issues = [...reader.issues];
  if (count === 0) {
    // A file with no record passes nothing: say what it is instead of exiting 0 in silence.
    const issue = await noRecordIssue(file, issues);
    issues.push(issue);
    readerOptions.onIssue?.(issue);
  }
  return { file, records, issues, errors: issues.filter((i) => i.severity === 'error') };
}

/** The error for a file read to its end without a record (`issues`: what the reading met): it is not a WARC file. */
export async function noRecordIssue(file: string, issues: readonly ReadIssue[]): Promise<ReadIssue> {
  return { offset: 0, severity: 'error', kind: 'no-record', message: await noRecordReason(file, issues) };
}

async function noRecordReason(file: string, issues: readonly ReadIssue[]): Promise<string> {
  if ((await fsp.stat(file)).size === 0) return 'empty file (0 bytes): no WARC record';
  if (issues.some((i) => i.severity === 'error')) return 'not a WARC file: no WARC record found';
  return 'no WARC record (only padding or empty compressed members)';
}

/** `offset N <record-id> <type>: <what>` */
export function formatIssue(issue: ReadIssue): string {
  return `offset ${issue.offset} ${issue.recordId || '-'} ${issue.recordType || '-'}: ${issue.message}`;
}
