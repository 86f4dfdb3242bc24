// Reads a WARC file (path in argv[2], or stdin when "-") with the warcio npm
// package, an independent implementation, and prints one JSON entry per record.
// Default: the block as stored, unparsed. With --http (argv[3]): warcio parses
// the HTTP messages and hands out their content (transfer encoding removed).
// test/helpers/warc-tools.ts runs it and types what it prints.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { WARCParser } from 'warcio';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes) {
  let bits = 0, value = 0, out = '';
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8;
    while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5; }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  while (out.length % 8) out += '=';
  return out;
}
const sha1 = (bytes) => 'sha1:' + base32(createHash('sha1').update(bytes).digest());

const [path, mode] = process.argv.slice(2);
const http = mode === '--http';
const source = path === '-' ? process.stdin : createReadStream(path);
const parser = new WARCParser(source, { parseHttp: http });
const records = [];
for await (const record of parser) {
  const entry = {
    type: record.warcType,
    id: record.warcHeader('WARC-Record-ID'),
    targetUri: record.warcTargetURI ?? null,
    date: record.warcDate,
    contentType: record.warcContentType ?? null,
    ipAddress: record.warcHeader('WARC-IP-Address') ?? null,
    concurrentTo: record.warcHeader('WARC-Concurrent-To') ?? null,
    blockDigest: record.warcBlockDigest ?? null,
    payloadDigest: record.warcPayloadDigest ?? null,
    contentLength: record.warcContentLength,
    truncated: record.warcHeader('WARC-Truncated') ?? null,
  };
  if (http) {
    const content = await record.readFully(true);
    const head = record.httpHeaders;
    Object.assign(entry, {
      status: head?.statusCode ?? null,
      method: head?.method ?? null,
      statusline: head?.statusline ?? null,
      headers: head ? [...head.headers.entries()].map(([name, value]) => `${name}: ${value}`) : [],
      contentSha1: sha1(content),
      text: Buffer.from(content).toString('utf8').slice(0, 500),
    });
  } else {
    const block = await record.readFully(false);
    Object.assign(entry, { blockLength: block.length, sha1: sha1(block) });
  }
  records.push(Object.assign(entry, { offset: parser.offset, length: parser.recordLength }));
}
process.stdout.write(JSON.stringify(records));
