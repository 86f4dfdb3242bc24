// Reads a WARC file (path in argv[2], or stdin when "-") with the warcio npm package,
// an independent implementation, and prints what it saw as JSON.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { WARCParser } from 'warcio';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes) {
  let bits = 0, value = 0, out = '';
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8;
    while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  while (out.length % 8) out += '=';
  return out;
}

const source = process.argv[2] === '-' ? process.stdin : createReadStream(process.argv[2]);
const parser = new WARCParser(source, { parseHttp: false });
const records = [];
for await (const record of parser) {
  const block = await record.readFully(false);
  records.push({
    type: record.warcType,
    id: record.warcHeader('WARC-Record-ID'),
    targetUri: record.warcTargetURI ?? null,
    date: record.warcDate,
    blockDigest: record.warcBlockDigest ?? null,
    payloadDigest: record.warcPayloadDigest ?? null,
    contentLength: record.warcContentLength,
    blockLength: block.length,
    sha1: 'sha1:' + base32(createHash('sha1').update(block).digest()),
    offset: parser.offset,
    length: parser.recordLength,
  });
}
process.stdout.write(JSON.stringify(records));
