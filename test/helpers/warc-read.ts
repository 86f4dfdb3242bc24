/** Reads a whole WARC file into memory for assertions (test files are small). */
import { WarcReader, type ReadIssue, type WarcReaderOptions } from '../../src/warc/read/reader';

export interface ReadBack {
  type: string;
  id: string;
  headers: Array<[string, string]>;
  block: Buffer;
  offset: number;
  length?: number;
  issues: ReadIssue[];
}

export async function readAll(source: string, options: WarcReaderOptions = {}): Promise<{ records: ReadBack[]; issues: ReadIssue[] }> {
  const reader = new WarcReader(source, options);
  const records: ReadBack[] = [];
  for await (const r of reader) {
    const block = await r.readBlock();
    await r.finish();
    records.push({
      type: r.type,
      id: r.id,
      headers: r.headers.map(([n, v]) => [n, v]),
      block,
      offset: r.offset,
      ...(r.length !== undefined ? { length: r.length } : {}),
      issues: r.issues,
    });
  }
  return { records, issues: reader.issues };
}
