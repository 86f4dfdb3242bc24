/**
 * Reads a WARC file with the `warcio` npm package (webrecorder's independent
 * implementation; ESM) in a child `node` process, and returns what it saw.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface WarcioRecord {
  type: string;
  headers: Record<string, string>;
  httpStatus?: number;
  httpHeaders?: Record<string, string>;
  /** Bytes warcio hands out as the record's content (the payload for HTTP records). */
  contentLength: number;
}

const SCRIPT = `
import { createReadStream } from 'node:fs';
import { WARCParser } from 'warcio';
const out = [];
const parser = new WARCParser(createReadStream(process.argv[1]), { keepHeadersCase: true });
for await (const record of parser) {
  const content = await record.readFully(true);
  const http = record.httpHeaders;
  out.push({
    type: record.warcType,
    headers: Object.fromEntries(record.warcHeaders.headers),
    ...(http ? { httpStatus: Number(http.statusCode), httpHeaders: Object.fromEntries(http.headers) } : {}),
    contentLength: content.length,
  });
}
process.stdout.write(JSON.stringify(out));
`;

export function readWithWarcio(file: string): Promise<WarcioRecord[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, file],
      { cwd: join(__dirname, '../..'), maxBuffer: 64 * 1024 * 1024, timeout: 20000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`warcio could not read ${file}: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as WarcioRecord[]);
      },
    );
  });
}
