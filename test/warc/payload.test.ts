/**
 * The read record's HTTP head and payload stream, against warcio (an
 * independent reader) on other tools' files, and on our own files for
 * chunked, content-encoded, repeated-header and large bodies.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync, deflateRawSync, brotliCompressSync } from 'node:zlib';
import { WarcReader, type ReadRecord } from '../../src/warc/read/reader';
import { WarcWriter } from '../../src/warc/write/writer';
import { backend, FIXTURES, tempDir } from '../helpers/warc-backend';
import { exchange, httpChunkedResponse, seededBytes } from '../helpers/warc-records';
import { warcioReadHttp } from '../helpers/warc-tools';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function sha1b32(bytes: Buffer): string {
  const digest = createHash('sha1').update(bytes).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of digest) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return 'sha1:' + out;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; largest: number }> {
  const parts: Buffer[] = [];
  let largest = 0;
  for await (const c of chunks) {
    parts.push(c);
    largest = Math.max(largest, c.length);
  }
  return { bytes: Buffer.concat(parts), largest };
}

/** warcio's header list: names lower-cased, repeats joined with ", " (set-cookie apart), sorted. */
function asWarcioHeaders(pairs: Array<[string, string]>): string[] {
  const h = new Headers();
  for (const [n, v] of pairs) h.append(n, v);
  return [...h.entries()].map(([n, v]) => `${n}: ${v}`);
}

const { dir, cleanup } = tempDir('payload');
afterAll(cleanup);

async function records(path: string, each: (r: ReadRecord) => Promise<void>): Promise<void> {
  for await (const r of new WarcReader(path)) await each(r);
}

describe('ReadRecord.httpHead() and payload()', () => {
  const fixtures = [
    'warcio--example.warc.gz',
    'warcio--example-iana.org-chunked.warc',
    'webarchive-commons--mutliple-headers.warc',
    'warcio-js--redirect.warc',
    'warcio-js--post-test-more.warc',
    'jwarc--cc.warc.gz',
    'cdxj-indexer--cc.warc.gz',
    'iipc-spec--20130729-heritrix-revisit-with-http-headers.warc.gz',
  ];
  // Digests over the raw chunked body, or in base16: checked by test/warc/fixtures.test.ts, not here.
  const legacyDigests = ['warcio--example-iana.org-chunked.warc', 'webarchive-commons--mutliple-headers.warc'];
  test.each(fixtures)('%s: status, method, headers and payload as warcio reads them', async (name) => {
    const path = join(FIXTURES, name);
    const theirs = warcioReadHttp(path);
    const ours: Array<Record<string, unknown>> = [];
    await records(path, async (r) => {
      const head = await r.httpHead();
      // warcio's content undoes Content-Encoding too.
      const { bytes } = await collect(r.payload({ decodeContentEncoding: true }));
      ours.push({
        id: r.id,
        status: head?.kind === 'response' ? head.status : null,
        method: head?.kind === 'request' ? head.method : null,
        statusline: head ? (head.kind === 'response' ? `${head.version} ${head.status}${head.reason ? ' ' + head.reason : ''}` : `${head.method} ${head.requestTarget} ${head.version}`) : null,
        headers: head ? asWarcioHeaders(head.headers) : [],
        contentSha1: sha1b32(bytes),
      });
    });
    // warcio puts the protocol in `method` for responses.
    const expected = theirs.map((t) => ({ id: t.id, status: t.status, method: t.status === null ? t.method : null, statusline: t.statusline, headers: t.headers, contentSha1: t.contentSha1 }));
    expect(ours).toEqual(expected);
    expect(ours.some((o) => o.status !== null)).toBe(true);
    // Without decoding, the payload is what WARC-Payload-Digest covers (transfer coding removed, content coding kept).
    const digests: Array<[string, string | undefined]> = [];
    await records(path, async (r) => {
      const label = r.get('WARC-Payload-Digest');
      if (r.type !== 'response' || !label?.startsWith('sha1:') || !(await r.httpHead())) return;
      digests.push([sha1b32((await collect(r.payload())).bytes), label.toUpperCase().replace('SHA1:', 'sha1:')]);
    });
    if (legacyDigests.includes(name)) return;
    for (const [computed, stored] of digests) expect(computed).toBe(stored);
    if (!name.includes('revisit')) expect(digests.length).toBeGreaterThan(0);
  });

  test('repeated headers stay separate, in order; reason phrase and version parsed', async () => {
    await records(join(FIXTURES, 'webarchive-commons--mutliple-headers.warc'), async (r) => {
      const head = await r.httpHead();
      if (r.type !== 'response') return;
      expect(head).toMatchObject({ kind: 'response', version: 'HTTP/1.1', status: 200, reason: '' });
      expect(head?.headers.filter(([n]) => n === 'x-powered-by').map(([, v]) => v)).toEqual(['PHP/8.3.11', 'PleskLin']);
      expect(head?.headers.filter(([n]) => n === 'link')).toHaveLength(3);
    });
  });

  test(`chunked, content-encoded and large payloads stream de-chunked, decoded on request (backend ${backend.name})`, async () => {
    const original = seededBytes(5, 300_000);
    const gz = gzipSync(original);
    const gzChunks = [gz.subarray(0, 1000), gz.subarray(1000, 50_000), gz.subarray(50_000)];
    const chunked = httpChunkedResponse(gzChunks).toString('latin1').replace('Transfer-Encoding: chunked', 'Content-Encoding: gzip\r\nTransfer-Encoding: chunked');
    const raw = deflateRawSync(original);
    const br = brotliCompressSync(original);
    const big = seededBytes(6, 8 * 1024 * 1024);
    const bodies: Array<[string, Buffer]> = [
      ['gzip+chunked', Buffer.from(chunked, 'latin1')],
      ['raw deflate', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${raw.length}\r\n\r\n`), raw])],
      ['br', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: ${br.length}\r\n\r\n`), br])],
      ['big', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: ${big.length}\r\n\r\n`), big])],
      ['zstd', Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 3\r\n\r\nabc')],
    ];
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'p' });
    for (const [name, block] of bodies) {
      const [response] = exchange(`http://example.com/${name}`, Buffer.alloc(0));
      response.block = block;
      await writer.write([response]);
    }
    await writer.close();
    const path = join(dir, writer.filenames[0]);
    const seen: string[] = [];
    // Each record twice: kept coding, then decoded.
    for (const decode of [false, true]) {
      await records(path, async (r) => {
        if (r.type !== 'response') return;
        const name = (r.targetUri ?? '').split('/').pop() as string;
        seen.push(name);
        if (name === 'zstd') {
          if (decode) await expect(collect(r.payload({ decodeContentEncoding: true }))).rejects.toMatchObject({ code: 'ERR_WARC_CONTENT_ENCODING' });
          else expect((await collect(r.payload())).bytes.toString()).toBe('abc');
          return;
        }
        const { bytes, largest } = await collect(r.payload({ decodeContentEncoding: decode }));
        if (name === 'big') {
          expect(bytes.equals(big)).toBe(true);
          expect(largest).toBeLessThanOrEqual(1024 * 1024); // streamed, not whole
          expect((await r.httpHead())?.headers.filter(([n]) => n === 'Set-Cookie')).toEqual([['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
          return;
        }
        const expected = decode ? original : name === 'gzip+chunked' ? gz : name === 'br' ? br : raw;
        expect({ name, decode, equal: bytes.equals(expected) }).toEqual({ name, decode, equal: true });
      });
    }
    expect(seen).toHaveLength(10);
  });

  test('a body labelled chunked that is not chunked passes as stored; non-HTTP records give their block', async () => {
    const body = Buffer.from('this is not chunked coding\r\n');
    const [response] = exchange('http://example.com/nc', body);
    response.block = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), body]);
    const writer = new WarcWriter({ directory: dir, compression: 'none', hostname: 'nc' });
    await writer.write([response]);
    await writer.write([{ type: 'resource', id: '<urn:uuid:00000000-0000-4000-8000-000000000001>', date: new Date(), targetUri: 'dns:example.com', contentType: 'text/dns', block: Buffer.from('example.com. 300 IN A 127.0.0.1\n') }]);
    await writer.close();
    const got: Array<[string, string, boolean]> = [];
    await records(join(dir, writer.filenames[0]), async (r) => {
      const head = await r.httpHead();
      got.push([r.type, (await collect(r.payload())).bytes.toString(), head !== undefined]);
    });
    expect(got.slice(1)).toEqual([
      ['response', body.toString(), true],
      ['resource', 'example.com. 300 IN A 127.0.0.1\n', false],
    ]);
  });
});
