// Reads a WARC file with the warcio npm package (an independent implementation),
// parsing the HTTP messages, and prints what it saw as JSON.
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

const parser = new WARCParser(createReadStream(process.argv[2]), { parseHttp: true });
const out = [];
for await (const record of parser) {
  const entry = {
    type: record.warcType,
    id: record.warcHeader('WARC-Record-ID'),
    targetUri: record.warcTargetURI ?? null,
    concurrentTo: record.warcHeader('WARC-Concurrent-To') ?? null,
    payloadDigest: record.warcPayloadDigest ?? null,
    status: record.httpHeaders?.statusCode ?? null,
    method: record.httpHeaders?.method ?? null,
  };
  if (record.warcType === 'response' || record.warcType === 'request') {
    // Content with transfer-encoding removed (these responses use no content-encoding).
    const content = await record.readFully(true);
    entry.contentSha1 = 'sha1:' + base32(createHash('sha1').update(content).digest());
    entry.content = Buffer.from(content).toString('latin1').slice(0, 200);
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
