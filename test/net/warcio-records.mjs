// Reads a WARC file with the warcio npm package (an independent implementation)
// and prints, per record, what the network tests check: type, target, IP header,
// HTTP status line and header names, block text for resource records.
import { createReadStream } from 'node:fs';
import { WARCParser } from 'warcio';

const parser = new WARCParser(createReadStream(process.argv[2]), { parseHttp: true });
const out = [];
for await (const record of parser) {
  const entry = {
    type: record.warcType,
    targetUri: record.warcTargetURI ?? null,
    ipAddress: record.warcHeader('WARC-IP-Address') ?? null,
    contentType: record.warcContentType ?? null,
    statusline: record.httpHeaders?.statusline ?? null,
    headers: record.httpHeaders ? [...record.httpHeaders.headers.entries()].map(([name, value]) => `${name}: ${value}`) : [],
  };
  const content = await record.readFully(record.warcType !== 'resource');
  if (record.warcType === 'resource' || record.warcType === 'response') entry.text = Buffer.from(content).toString('utf8').slice(0, 500);
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
