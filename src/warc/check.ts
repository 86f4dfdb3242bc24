/** Reads a whole file in tolerant mode, verifying every record: what `warcwire check` reports. */
import type { ReadIssue } from './read-issues';
import type { ReadRecordType } from './read-record';
import { WarcReader, type WarcReaderOptions } from './reader';
import { verifyRecord, type VerifyOutcome } from './verify';

export interface CheckedRecord {
  offset: number;
  id: string;
  type: ReadRecordType;
  /** See ReadRecord.length: absent when the record's extent could not be known. */
  length?: number;
  digests: VerifyOutcome;
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
  for await (const record of reader) {
    const digests = await verifyRecord(record);
    await record.finish();
    const checked: CheckedRecord = {
      offset: record.offset,
      id: record.id,
      type: record.type,
      ...(record.length !== undefined ? { length: record.length } : {}),
      digests,
      issues: record.issues,
    };
    if (keepRecords) records.push(checked);
    await onRecord?.(checked);
  }
  return { file, records, issues: reader.issues, errors: reader.issues.filter((i) => i.severity === 'error') };
}

/** `offset N <record-id> <type>: <what>` */
export function formatIssue(issue: ReadIssue): string {
  return `offset ${issue.offset} ${issue.recordId || '-'} ${issue.recordType || '-'}: ${issue.message}`;
}
