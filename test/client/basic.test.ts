import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { undici } from '../../src/client/undici';
import { startHttp, startHttps, startRaw, type Running } from '../helpers/client-servers';
import { testCertificate as testCert } from '../helpers/tls-cert';
import { readAll, type ReadBack } from '../helpers/warc-read';

// The undici the suite runs on (WARCWIRE_TEST_UNDICI picks undici 8 for `npm run test:undici8`).
const { fetch: undiciFetch, request } = undici;

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
const fields = (r: ReadBack, name: string): string[] => r.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-client-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function records(): Promise<ReadBack[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  const all: ReadBack[] = [];
  for (const f of files.sort()) all.push(...(await readAll(join(dir, f))).records);
  return all.filter((r) => r.type !== 'warcinfo');
}

describe('WarcClient over http and https', () => {
  let server: Running;
  let tlsServer: Running;
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    if (req.url === '/hello') {
      res.setHeader('content-type', 'text/plain');
      res.end('hello world');
    } else {
      res.statusCode = 404;
      res.end('nope');
    }
  };
  beforeAll(async () => {
    server = await startHttp(handler);
    tlsServer = await startHttps(handler);
  });
  afterAll(async () => {
    await server.close();
    await tlsServer.close();
  });

  test('http GET: caller gets the body; a response/request pair lands on disk', async () => {
    const client = await WarcClient.create({ writer: { directory: dir } });
    const res = await client.fetch(`${server.url}/hello`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world');
    const w = await res.written;
    expect(w.url).toBe(`${server.url}/hello`);
    expect(w.response.offset).toBeLessThan(w.request.offset);
    await client.close();
    const recs = await records();
    expect(recs.map((r) => r.type)).toEqual(['response', 'request']);
    const [resp, req] = recs as [ReadBack, ReadBack];
    expect(field(resp, 'WARC-Target-URI')).toBe(`${server.url}/hello`);
    expect(field(resp, 'WARC-Concurrent-To')).toBe(req.id);
    expect(field(req, 'WARC-Concurrent-To')).toBe(resp.id);
    expect(field(resp, 'WARC-IP-Address')).toBe('127.0.0.1');
    expect(fields(resp, 'WARC-Protocol')).toEqual(['http/1.1']);
    expect(resp.block.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello world$/);
    expect(req.block.toString('latin1')).toMatch(/^GET \/hello HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    const sha1 = createHash('sha1').update('hello world').digest();
    expect(field(resp, 'WARC-Payload-Digest')).toBe(`sha1:${base32(sha1)}`);
    expect(field(resp, 'WARC-Block-Digest')).toBe(`sha1:${base32(createHash('sha1').update(resp.block).digest())}`);
    expect(field(req, 'WARC-Date')).toBe(field(resp, 'WARC-Date'));
  });

  test('https with a generated certificate: TLS fields recorded', async () => {
    const client = await WarcClient.create({ writer: { directory: dir }, tls: { ca: testCert().cert } });
    const res = await client.fetch(`${tlsServer.url}/hello`);
    expect(await res.text()).toBe('hello world');
    await res.written;
    await client.close();
    const [resp] = await records();
    expect(field(resp!, 'WARC-Target-URI')).toBe(`${tlsServer.url}/hello`);
    expect(fields(resp!, 'WARC-Protocol')).toEqual(['http/1.1', 'tls/1.3']);
    expect(field(resp!, 'WARC-Cipher-Suite')).toMatch(/^TLS_/);
  });

  test('TLS 1.2 when capped: tls/1.2 and the IANA cipher suite name', async () => {
    const client = await WarcClient.create({ writer: { directory: dir }, tls: { ca: testCert().cert, maxVersion: 'TLSv1.2' } });
    const res = await client.fetch(`${tlsServer.url}/hello`);
    await res.text();
    await res.written;
    await client.close();
    const [resp] = await records();
    expect(fields(resp!, 'WARC-Protocol')).toEqual(['http/1.1', 'tls/1.2']);
    expect(field(resp!, 'WARC-Cipher-Suite')).toMatch(/^TLS_ECDHE_ECDSA_WITH_/);
  });

  test('https with an untrusted certificate fails unless tls.verify is false', async () => {
    const strict = await WarcClient.create({ writer: { directory: dir } });
    await expect(strict.fetch(`${tlsServer.url}/hello`)).rejects.toMatchObject({ code: 'ERR_TLS_HANDSHAKE' });
    await strict.close();
    const lax = await WarcClient.create({ writer: { directory: dir }, tls: { verify: false } });
    const res = await lax.fetch(`${tlsServer.url}/hello`);
    expect(await res.text()).toBe('hello world');
    await expect(res.written).resolves.toMatchObject({ status: 200 });
    await lax.close();
  });

  test('undici.request with client.dispatcher records too', async () => {
    const client = await WarcClient.create({ writer: { directory: dir } });
    const res = await request(`${server.url}/missing`, { dispatcher: client.dispatcher });
    expect(res.statusCode).toBe(404);
    expect(await res.body.text()).toBe('nope');
    await client.close();
    const recs = await records();
    expect(recs.map((r) => r.type)).toEqual(['response', 'request']);
    expect(recs[0]!.block.toString()).toMatch(/^HTTP\/1\.1 404 Not Found/);
  });
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  while (out.length % 8) out += '=';
  return out;
}
test('undici fetch with client.dispatcher records too; decompressBody: false hands over raw bytes', async () => {
  const { gzipSync } = await import('node:zlib');
  const raw = gzipSync(Buffer.from('zipped'));
  const server = await startRaw((_s, _h, _b, write) => {
    write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${raw.length}\r\n\r\n`);
    write(raw);
  });
  const client = await WarcClient.create({ writer: { directory: dir } });
  const viaFetch = await undiciFetch(`${server.url}/f`, { dispatcher: client.dispatcher });
  expect(await viaFetch.text()).toBe('zipped');
  const rawRes = await client.fetch(`${server.url}/r`, { decompressBody: false });
  expect((await rawRes.bytes()).equals(raw)).toBe(true);
  await rawRes.written;
  await client.close();
  await server.close();
  const recs = await records();
  expect(recs.map((r) => [r.type, field(r, 'WARC-Target-URI')])).toEqual([
    ['response', `${server.url}/f`],
    ['request', `${server.url}/f`],
    ['response', `${server.url}/r`],
    ['request', `${server.url}/r`],
  ]);
  expect(recs[0]!.block.equals(Buffer.concat(server.sent[0]!.slice(0, 2)))).toBe(true);
});
