/** Sample records for WARC tests: HTTP response/request pairs, DNS resources, metadata. */
import { newRecordId, type WarcRecord } from '../../src/warc/record';

/** Deterministic pseudo-random bytes (xorshift), so tests and benches see the same data. */
export function seededBytes(seed: number, length: number, text = true): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyz <>/="\n\t0123456789ABCDEF');
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = text ? alphabet[x % alphabet.length] : x & 0xff;
  }
  return out;
}

export function httpResponse(body: Buffer, contentType = 'text/html', status = 200): Buffer {
  const head = `HTTP/1.1 ${status} OK\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export function httpChunkedResponse(chunks: Buffer[], contentType = 'text/plain'): Buffer {
  const parts: Buffer[] = [Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`, 'latin1')];
  for (const c of chunks) parts.push(Buffer.from(c.length.toString(16) + '\r\n'), c, Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export function httpRequest(url: string): Buffer {
  const u = new URL(url);
  return Buffer.from(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: warcwire-test\r\n\r\n`, 'latin1');
}

/** A [response, request] pair as the capturing client writes it. */
export function exchange(url: string, body: Buffer, date = new Date('2024-05-06T07:08:09.123Z')): [WarcRecord, WarcRecord] {
  const responseId = newRecordId();
  const requestId = newRecordId();
  return [
    {
      type: 'response',
      id: responseId,
      date,
      targetUri: url,
      contentType: 'application/http; msgtype=response',
      fields: [['WARC-Concurrent-To', requestId], ['WARC-IP-Address', '127.0.0.1']],
      block: httpResponse(body),
    },
    {
      type: 'request',
      id: requestId,
      date,
      targetUri: url,
      contentType: 'application/http; msgtype=request',
      fields: [['WARC-Concurrent-To', responseId]],
      block: httpRequest(url),
    },
  ];
}

/** `count` exchanges with bodies of 200..(200+spread) bytes. */
export function exchanges(count: number, seed = 1, spread = 3000): Array<[WarcRecord, WarcRecord]> {
  const out: Array<[WarcRecord, WarcRecord]> = [];
  for (let i = 0; i < count; i++) {
    const size = 200 + ((i * 7919 + seed) % spread);
    out.push(exchange(`http://example.com/page/${seed}/${i}?b=2&a=1`, seededBytes(seed * 1000 + i, size)));
  }
  return out;
}
