import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startHttp, startRaw, type Running } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-client-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function records(): Promise<ReadBack[]> {
  const all: ReadBack[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz')).sort()) all.push(...(await readAll(join(dir, f))).records);
  return all.filter((r) => r.type !== 'warcinfo');
}

function pairs(recs: ReadBack[]): Array<{ response: ReadBack; request: ReadBack }> {
  const byId = new Map(recs.map((r) => [r.id, r]));
  return recs.filter((r) => r.type === 'response').map((response) => ({ response, request: byId.get(field(response, 'WARC-Concurrent-To')!)! }));
}

const sha1b32 = (b: Buffer | string): string => {
  const d = createHash('sha1').update(b).digest();
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '', bits = 0, v = 0;
  for (const x of d) {
    v = (v << 8) | x;
    bits += 8;
    while (bits >= 5) {
      out += A[(v >>> (bits - 5)) & 31];
      bits -= 5;
    }
    v &= (1 << bits) - 1;
  }
  return `sha1:${out}`;
};

test('100 exchanges on one kept-alive socket give 100 pairs in order', async () => {
  const ports = new Set<number>();
  const server = await startHttp((req, res) => {
    ports.add(req.socket.remotePort!);
    res.end(`body of ${req.url}`);
  });
  const client = await WarcClient.create({ writer: { directory: dir }, connectionsPerOrigin: 1 });
  for (let i = 0; i < 100; i++) {
    const res = await client.fetch(`${server.url}/n/${i}`);
    expect(await res.text()).toBe(`body of /n/${i}`);
  }
  await client.close();
  await server.close();
  expect(ports.size).toBe(1);
  const recs = await records();
  expect(recs).toHaveLength(200);
  for (let i = 0; i < 100; i++) {
    const [resp, req] = [recs[2 * i]!, recs[2 * i + 1]!];
    expect([resp.type, req.type]).toEqual(['response', 'request']);
    expect(field(resp, 'WARC-Target-URI')).toBe(`${server.url}/n/${i}`);
    expect(field(resp, 'WARC-Concurrent-To')).toBe(req.id);
    expect(resp.block.toString().endsWith(`body of /n/${i}`)).toBe(true);
    expect(req.block.toString()).toMatch(new RegExp(`^GET /n/${i} HTTP/1.1\r\n`));
  }
});

test('chunked response: block is the server bytes exactly, payload digest over the decoded body', async () => {
  const body = 'Wikipedia in\r\n\r\nchunks.';
  const server = await startRaw((_s, _head, _body, write) => {
    write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
    write('4;ext=1\r\nWiki\r\n');
    setTimeout(() => {
      write('5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n');
      write('0\r\nX-Trailer: yes\r\n\r\n');
    }, 20);
  });
  const client = await WarcClient.create({ writer: { directory: dir } });
  const res = await client.fetch(`${server.url}/chunked`);
  expect(await res.text()).toBe(body);
  await res.written;
  await client.close();
  await server.close();
  const [{ response, request: req }] = pairs(await records()) as [{ response: ReadBack; request: ReadBack }];
  expect(response.block.equals(Buffer.concat(server.sent[0]!))).toBe(true);
  expect(field(response, 'WARC-Payload-Digest')).toBe(sha1b32(body));
  expect(field(response, 'WARC-Block-Digest')).toBe(sha1b32(response.block));
  expect(field(req, 'WARC-Block-Digest')).toBe(sha1b32(req.block));
});

describe('methods and statuses', () => {
  let server: Running;
  beforeAll(async () => {
    server = await startHttp((req, res) => {
      if (req.url === '/204') {
        res.statusCode = 204;
        res.end();
      } else if (req.url === '/304') {
        res.statusCode = 304;
        res.end();
      } else if (req.method === 'POST' || req.method === 'PUT') {
        const parts: Buffer[] = [];
        req.on('data', (d: Buffer) => parts.push(d));
        req.on('end', () => res.end(`got ${Buffer.concat(parts).length} bytes`));
      } else {
        res.setHeader('content-length', '5');
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      }
    });
  });
  afterAll(() => server.close());

  test('HEAD, 204, 304, POST on one connection, then a GET: every pair in order', async () => {
    const client = await WarcClient.create({ writer: { directory: dir }, connectionsPerOrigin: 1 });
    const head = await client.fetch(`${server.url}/x`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('5');
    expect(await head.text()).toBe('');
    const s204 = await client.fetch(`${server.url}/204`);
    expect(s204.status).toBe(204);
    await s204.text();
    const s304 = await client.fetch(`${server.url}/304`);
    expect(s304.status).toBe(304);
    await s304.text();
    const post = await client.fetch(`${server.url}/form`, { method: 'POST', body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await post.text()).toBe('got 7 bytes');
    const get = await client.fetch(`${server.url}/after`);
    expect(await get.text()).toBe('hello');
    await Promise.all([head.written, s204.written, s304.written, post.written, get.written]);
    await client.close();
    const p = pairs(await records());
    expect(p.map((x) => x.request.block.toString().split(' ')[0])).toEqual(['HEAD', 'GET', 'GET', 'POST', 'GET']);
    expect(p.map((x) => x.response.block.toString().split(' ')[1])).toEqual(['200', '204', '304', '200', '200']);
    expect(p[0]!.response.block.toString().endsWith('\r\n\r\n')).toBe(true);
    expect(p[3]!.request.block.toString().endsWith('\r\n\r\na=1&b=2')).toBe(true);
  });

  test('a 304 with the Content-Length of the representation (RFC 9110) is a whole response, recorded once', async () => {
    const raw = await startRaw((_s, _head, _body, write) => write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 1234\r\n\r\n'));
    const client = await WarcClient.create({ writer: { directory: dir } });
    const res = await client.fetch(`${raw.url}/validated`, { headers: { 'if-none-match': '"v1"' } });
    expect(res.status).toBe(304);
    expect(res.headers.get('content-length')).toBe('1234');
    expect(await res.text()).toBe('');
    const written = await res.written;
    await client.close();
    await raw.close();
    expect(written.truncated).toBeUndefined();
    const p = pairs(await records());
    expect(p).toHaveLength(1);
    expect(p[0]!.response.block.equals(Buffer.concat(raw.sent[0]!))).toBe(true);
  });

  // undici's HTTP/1.1 client cannot send `Expect: 100-continue` and refuses a 100 it did not ask
  // for, so the interim response on the wire here is 103; the framer tests cover 100 itself.
  test('1xx interim responses stay in the response block before the final one', async () => {
    const raw = await startRaw((_s, _head, body, write) => {
      write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
      const text = `got ${body.length} bytes`;
      write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    });
    const client = await WarcClient.create({ writer: { directory: dir } });
    const res = await client.fetch(`${raw.url}/upload`, { method: 'PUT', body: Buffer.alloc(1000, 1) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('got 1000 bytes');
    await res.written;
    await client.close();
    await raw.close();
    const [{ response, request: req }] = pairs(await records()) as [{ response: ReadBack; request: ReadBack }];
    expect(response.block.equals(Buffer.concat(raw.sent[0]!))).toBe(true);
    expect(response.block.toString()).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n[^\r]*\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(req.block.length).toBeGreaterThan(1000);
    expect(field(response, 'WARC-Payload-Digest')).toBe(sha1b32('got 1000 bytes'));
  });
});

test('redirects: off by default; with followRedirects every hop is recorded', async () => {
  const server = await startHttp((req, res) => {
    if (req.url === '/a') {
      res.statusCode = 301;
      res.setHeader('location', '/b');
      res.end('moved');
    } else if (req.url === '/b') {
      res.statusCode = 302;
      res.setHeader('location', '/c');
      res.end();
    } else res.end('final');
  });
  const client = await WarcClient.create({ writer: { directory: dir } });
  const direct = await client.fetch(`${server.url}/a`);
  expect(direct.status).toBe(301);
  await direct.text();
  const followed = await client.fetch(`${server.url}/a`, { followRedirects: true });
  expect(followed.status).toBe(200);
  expect(followed.url).toBe(`${server.url}/c`);
  expect(followed.redirects.map((h) => [h.url, h.status])).toEqual([[`${server.url}/a`, 301], [`${server.url}/b`, 302]]);
  expect(await followed.text()).toBe('final');
  await Promise.all([direct.written, followed.written, ...followed.redirects.map((h) => h.written)]);
  await client.close();
  await server.close();
  const uris = pairs(await records()).map((p) => field(p.response, 'WARC-Target-URI'));
  expect(uris.sort()).toEqual([`${server.url}/a`, `${server.url}/a`, `${server.url}/b`, `${server.url}/c`].sort());
});

test('256 concurrent requests: 256 complete pairs', async () => {
  const server = await startHttp((req, res) => res.end(`r${req.url}`));
  const client = await WarcClient.create({ writer: { directory: dir }, connectionsPerOrigin: 16 });
  const results = await Promise.all(
    Array.from({ length: 256 }, async (_, i) => {
      const res = await client.fetch(`${server.url}/${i}`);
      const text = await res.text();
      const w = await res.written;
      return { i, text, url: w.url };
    }),
  );
  for (const r of results) {
    expect(r.text).toBe(`r/${r.i}`);
    expect(r.url).toBe(`${server.url}/${r.i}`);
  }
  await client.close();
  await server.close();
  const p = pairs(await records());
  expect(p).toHaveLength(256);
  for (const { response, request: req } of p) {
    const path = req.block.toString().split(' ')[1];
    expect(response.block.toString().endsWith(`r${path}`)).toBe(true);
  }
});

test("a caller that cancels (afterAbort 'finish') or never reads the body: still captured to the end", async () => {
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const server = await startHttp((_req, res) => {
    res.setHeader('content-length', String(big.length));
    res.end(big);
  });
  const client = await WarcClient.create({ writer: { directory: dir }, spoolMemoryLimit: 256 * 1024, afterAbort: 'finish' });
  const cancelled = await client.fetch(`${server.url}/cancel`);
  const reader = cancelled.body.getReader();
  await reader.read();
  await reader.cancel();
  const ignored = await client.fetch(`${server.url}/ignore`);
  const [a, b] = await Promise.all([cancelled.written, ignored.written]);
  expect(a.truncated).toBeUndefined();
  expect(b.truncated).toBeUndefined();
  await client.close();
  await server.close();
  for (const { response } of pairs(await records())) {
    expect(response.block.subarray(response.block.length - big.length).equals(big)).toBe(true);
    expect(field(response, 'WARC-Payload-Digest')).toBe(sha1b32(big));
  }
});

test('past maxResponseBytes the record is truncated with WARC-Truncated: length', async () => {
  const big = Buffer.alloc(200_000, 7);
  const server = await startHttp((_req, res) => res.end(big));
  const client = await WarcClient.create({ writer: { directory: dir }, maxResponseBytes: 50_000 });
  const res = await client.fetch(`${server.url}/big`);
  expect((await res.bytes()).length).toBe(big.length);
  expect((await res.written).truncated).toBe('length');
  await client.close();
  await server.close();
  const { response } = pairs(await records())[0]!;
  // The cap counts the body only: the head is kept in full on top of it.
  expect(response.block.length - (response.block.indexOf('\r\n\r\n') + 4)).toBe(50_000);
  expect(field(response, 'WARC-Truncated')).toBe('length');
  expect(field(response, 'WARC-Payload-Digest')).toBeUndefined();
});

test('gzip body is decoded for the caller, kept raw in the WARC', async () => {
  const { gzipSync } = await import('node:zlib');
  const raw = gzipSync(Buffer.from('compressed text '.repeat(100)));
  const server = await startHttp((_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(raw);
  });
  const client = await WarcClient.create({ writer: { directory: dir } });
  const res = await client.fetch(`${server.url}/gz`);
  expect(await res.text()).toBe('compressed text '.repeat(100));
  await res.written;
  await client.close();
  await server.close();
  const { response } = pairs(await records())[0]!;
  expect(response.block.subarray(response.block.length - raw.length).equals(raw)).toBe(true);
  expect(field(response, 'WARC-Payload-Digest')).toBe(sha1b32(raw));
});

test('deflate and br bodies are decoded too; an unknown coding is handed over raw', async () => {
  const { deflateSync, brotliCompressSync } = await import('node:zlib');
  const text = 'encoded body '.repeat(50);
  const bodies: Record<string, [string, Buffer]> = {
    '/deflate': ['deflate', deflateSync(Buffer.from(text))],
    '/br': ['br', brotliCompressSync(Buffer.from(text))],
    '/odd': ['x-unknown', Buffer.from('as is')],
  };
  const server = await startHttp((req, res) => {
    const [coding, body] = bodies[req.url!]!;
    res.setHeader('content-encoding', coding);
    res.end(body);
  });
  const client = await WarcClient.create({ writer: { directory: dir } });
  for (const path of ['/deflate', '/br']) expect(await (await client.fetch(`${server.url}${path}`)).text()).toBe(text);
  expect(await (await client.fetch(`${server.url}/odd`)).text()).toBe('as is');
  await client.close();
  await server.close();
  const p = pairs(await records());
  expect(p).toHaveLength(3);
  for (const { response } of p) {
    const [, body] = bodies[new URL(field(response, 'WARC-Target-URI')!).pathname]!;
    expect(field(response, 'WARC-Payload-Digest')).toBe(sha1b32(body));
  }
});

test('DiscardHook: a discarded pair is not written and written rejects with the reason', async () => {
  const server = await startHttp((req, res) => {
    res.statusCode = req.url === '/drop' ? 500 : 200;
    res.end('x');
  });
  const client = await WarcClient.create({
    writer: { directory: dir },
    discardHook: (r) => (r.status >= 500 ? { discard: true, reason: `status ${r.status}` } : { discard: false }),
  });
  const dropped = await client.fetch(`${server.url}/drop`);
  await dropped.text();
  await expect(dropped.written).rejects.toMatchObject({ code: 'ERR_DISCARDED', reason: 'status 500' });
  const kept = await client.fetch(`${server.url}/keep`);
  await kept.text();
  await kept.written;
  await client.close();
  await server.close();
  expect(client.stats.discarded).toBe(1);
  expect(pairs(await records()).map((p) => field(p.response, 'WARC-Target-URI'))).toEqual([`${server.url}/keep`]);
});

test('with a dedupe index, a repeated payload is written as a revisit pointing at the first response', async () => {
  const { createDedupeIndex } = await import('../../src/dedupe');
  const payload = Buffer.alloc(5000, 'p');
  const server = await startHttp((_req, res) => res.end(payload));
  const dedupe = createDedupeIndex({ local: true });
  const client = await WarcClient.create({ writer: { directory: dir }, dedupe });
  const first = await client.fetch(`${server.url}/one`);
  await first.text();
  expect((await first.written).revisit).toBeUndefined();
  const second = await client.fetch(`${server.url}/two`);
  expect((await second.bytes()).equals(payload)).toBe(true);
  expect((await second.written).revisit).toBe(true);
  await client.close();
  await dedupe.close();
  await server.close();
  const recs = await records();
  expect(recs.map((r) => r.type)).toEqual(['response', 'request', 'revisit', 'request']);
  const [resp, , revisit, req2] = recs as [ReadBack, ReadBack, ReadBack, ReadBack];
  expect(field(revisit, 'WARC-Refers-To')).toBe(resp.id);
  expect(field(revisit, 'WARC-Refers-To-Target-URI')).toBe(`${server.url}/one`);
  expect(field(revisit, 'WARC-Payload-Digest')).toBe(sha1b32(payload));
  expect(field(revisit, 'WARC-Concurrent-To')).toBe(req2.id);
  expect(field(req2, 'WARC-Concurrent-To')).toBe(revisit.id);
  expect(revisit.block.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
  expect(client.stats.revisits).toBe(1);
});
