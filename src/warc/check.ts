/** Reads a whole file in tolerant mode, verifying every record: what `warcwire check` reports. */
import type { ReadIssue } from './read-issues';
import { WarcReader, type WarcReaderOptions } from './reader';
import { verifyRecord, type VerifyOutcome } from './verify';

export interface CheckedRecord {
  offset: number;
  id: string;
  type: string;
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

export async function checkFile(file: string, options: Omit<WarcReaderOptions, 'strict'> = {}): Promise<CheckReport> {
  const reader = new WarcReader(file, { ...options, strict: false });
  const records: CheckedRecord[] = [];
  for await (const record of reader) {
    const digests = await verifyRecord(record);
    await record.finish();
    records.push({
      offset: record.offset,
      id: record.id,
      type: record.type,
      ...(record.length !== undefined ? { length: record.length } : {}),
      digests,
      issues: record.issues,
    });
  }
  return { file, records, issues: reader.issues, errors: reader.issues.filter((i) => i.severity === 'error') };
}

/** `offset N <record-id> <type>: <what>` */
export function formatIssue(issue: ReadIssue): string {
  return `offset ${issue.offset} ${issue.recordId || '-'} ${issue.recordType || '-'}: ${issue.message}`;
}
