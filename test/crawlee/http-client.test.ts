/**
 * WarcHttpClient against real loopback servers, called as Crawlee 3 calls it:
 * headers reach the wire and the request record exactly as given, cookies follow
 * a redirect (tough-cookie in both styles), every hop is a recorded pair,
 * ignoreSslErrors / https.rejectUnauthorized, sendRequest's response types,
 * timeouts, and a body nobody reads is stopped.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { CookieJar } from 'tough-cookie';
import { HeaderGenerator } from 'header-generator';
import { WarcClient } from '../../src/client/warc-client';
import { WarcHttpClient, CrawleeAdapterError } from '../../src/crawlee';
import { ProxyError } from '../../src/net/errors';
import { freePort } from '../helpers/net-ports';
import { startHttp, startHttps, startRaw, type RawServer, type Running } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';
import { header } from '../helpers/crawlee-crawl';

let dir: string;
let warc: WarcClient;
let raw: RawServer;
let site: Running;
let tlsSite: Running;
let rawHeads: string[] = [];
let bigSent = 0;

const BIG = 50 * 1024 * 1024;

async function records(): Promise<ReadBack[]> {
  await warc.close();
  const out: ReadBack[] = [];
  for (const f of readdirSync(dir)) out.push(...(await readAll(join(dir, f))).records);
  return out;
}

function byUri(all: ReadBack[], type: string, uri: string): ReadBack[] {
  return all.filter((r) => r.type === type && header(r, 'WARC-Target-URI') === uri);
}

const handler: http.RequestListener = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/login':
      res.writeHead(302, { Location: '/home', 'Set-Cookie': 'sid=abc123; Path=/' });
      return void res.end('see /home');
    case '/home':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end(`cookie=${req.headers.cookie ?? ''} hop=${String(req.headers['x-hop'] ?? '')}`);
    case '/echo': {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`${req.method} ${Buffer.concat(chunks).toString()}`);
      });
      return;
    }
    case '/307':
      res.writeHead(307, { Location: '/echo' });
      return void res.end();
    case '/302':
      res.writeHead(302, { Location: '/echo' });
      return void res.end();
    case '/303':
      res.writeHead(303, { Location: '/echo' });
      return void res.end();
    case '/cut':
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': 1000 });
      res.write('y'.repeat(100));
      return void setTimeout(() => res.socket?.destroy(), 50);
    case '/silent':
      return; // never answers
    case '/loop':
      res.writeHead(301, { Location: '/loop' });
      return void res.end();
    case '/json': {
      const body = gzipSync(JSON.stringify({ name: 'warcwire', n: 13 }));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
      return void res.end(body);
    }
    case '/latin1':
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=latin1' });
      return void res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    case '/not-json':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end('{oops');
    case '/gone':
      res.writeHead(410, { 'Content-Type': 'text/plain' });
      return void res.end('gone');
    case '/stall':
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': 1000 });
      return void res.write('x'.repeat(100));
    case '/big.bin': {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let left = BIG;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          left -= chunk.length;
          bigSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (left <= 0) res.end();
      };
      return pump();
    }
    default:
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>ok</html>');
  }
};

beforeAll(async () => {
  raw = await startRaw((_socket, head, _body, write) => {
    rawHeads.push(head);
    write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok');
  });
  site = await startHttp(handler);
  tlsSite = await startHttps(handler);
});

afterAll(async () => {
  await Promise.all([raw.close(), site.close(), tlsSite.close()]);
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-crawlee-client-'));
  warc = await WarcClient.create({ writer: { directory: dir } });
  rawHeads = [];
});

afterEach(async () => {
  await warc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('headers', () => {
  it('reach the wire and the request record exactly as given: names, case, order, one User-Agent', async () => {
    const client = new WarcHttpClient(warc);
    const given = { 'X-First': '1', 'user-AGENT': 'Mozilla/5.0 (test)', Accept: 'text/html', 'accept-language': 'de, en;q=0.5', 'X-List': ['a', 'b'] };
    const res = await client.stream({ url: `${raw.url}/h`, headers: given });
    res.stream.resume();
    await new Promise((r) => res.stream.once('end', r));
    const lines = rawHeads[0]!.split('\r\n').slice(1, -2);
    const ours = lines.filter((l) => !/^(host|connection):/i.test(l));
    expect(ours).toEqual(['X-First: 1', 'user-AGENT: Mozilla/5.0 (test)', 'Accept: text/html', 'accept-language: de, en;q=0.5', 'X-List: a', 'X-List: b']);
    expect(lines.filter((l) => /^user-agent:/i.test(l))).toHaveLength(1);
    const [request] = byUri(await records(), 'request', `${raw.url}/h`);
    expect(request!.block.toString('latin1')).toBe(rawHeads[0]);
  });

  it('merges a header generator under the given headers, one set per session', async () => {
    const client = new WarcHttpClient(warc, { headerGenerator: new HeaderGenerator() });
    const session = {};
    for (let i = 0; i < 2; i++) {
      const res = await client.stream({ url: `${raw.url}/g${i}`, headers: { Accept: 'text/plain' }, sessionToken: session });
      res.stream.resume();
    }
    await client.stream({ url: `${raw.url}/off`, headers: { Accept: 'text/plain' }, useHeaderGenerator: false }).then((r) => r.stream.resume());
    const [first, second, off] = rawHeads;
    expect(first).toMatch(/\r\nUser-Agent: Mozilla\/5\.0 /);
    expect(first).toMatch(/\r\nAccept: text\/plain\r\n/);
    expect(first!.match(/^accept:/gim)).toHaveLength(1);
    // The same session sends the same generated headers.
    expect(second!.split('\r\n').slice(1)).toEqual(first!.split('\r\n').slice(1));
    expect(off).not.toMatch(/Mozilla/);
  });
});

describe('redirects and cookies', () => {
  const jars = {
    'tough-cookie, callback style': () => new CookieJar(),
    'promise style': () => {
      const jar = new CookieJar();
      return { getCookieString: (url: string) => jar.getCookieString(url), setCookie: (raw: string, url: string) => jar.setCookie(raw, url) };
    },
  };
  it.each(Object.keys(jars))('carries a cookie set by a redirect to the next hop (%s); each hop is a pair', async (kind) => {
    const client = new WarcHttpClient(warc);
    const jar = jars[kind as keyof typeof jars]();
    const res = await client.sendRequest({ url: `${site.url}/login`, cookieJar: jar });
    expect(res.body).toBe('cookie=sid=abc123 hop=');
    expect(res.url).toBe(`${site.url}/home`);
    expect(res.redirectUrls.map(String)).toEqual([`${site.url}/home`]);
    expect(res.statusCode).toBe(200);
    expect(res.complete).toBe(true);
    const all = await records();
    expect(byUri(all, 'response', `${site.url}/login`)).toHaveLength(1);
    expect(byUri(all, 'request', `${site.url}/home`)[0]!.block.toString()).toMatch(/\r\ncookie: sid=abc123\r\n/i);
  });

  it('calls onRedirect per hop, which may change the next headers', async () => {
    const client = new WarcHttpClient(warc);
    const seen: number[] = [];
    const res = await client.stream({ url: `${site.url}/login` }, (response, updated) => {
      seen.push(response.statusCode);
      updated.headers['X-Hop'] = '2';
      updated.headers.Cookie = 'from=handler';
    });
    const text = (await buffer(res.stream)).toString();
    expect(seen).toEqual([302]);
    expect(res.url).toBe(`${site.url}/home`);
    expect(text).toBe('cookie=from=handler hop=2');
  });

  it('stops after maxRedirects (ClientError ERR_TOO_MANY_REDIRECTS) and returns a redirect when followRedirect is false', async () => {
    const client = new WarcHttpClient(warc);
    await expect(client.sendRequest({ url: `${site.url}/loop`, maxRedirects: 2 })).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REDIRECTS' });
    const res = await client.sendRequest({ url: `${site.url}/login`, followRedirect: false });
    expect(res.statusCode).toBe(302);
    expect(res.headers['set-cookie']).toEqual(['sid=abc123; Path=/']);
    const all = await records();
    expect(byUri(all, 'response', `${site.url}/loop`)).toHaveLength(3);
  });
});

describe('response fields and request bodies', () => {
  it('fills the fields Crawlee reads, with progress for a stream', async () => {
    const client = new WarcHttpClient(warc);
    const res = await client.stream({ url: `${site.url}/json` });
    expect(res).toMatchObject({ url: `${site.url}/json`, redirectUrls: [], ip: '127.0.0.1', statusCode: 200, statusMessage: 'OK', trailers: {}, complete: false });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.request.url).toBe(`${site.url}/json`);
    const body = await buffer(res.stream);
    expect(body.toString()).toBe('{"name":"warcwire","n":13}');
    expect(res.complete).toBe(true);
    expect(res.downloadProgress).toMatchObject({ transferred: body.length, percent: 1 });
    expect(res.uploadProgress).toMatchObject({ transferred: 0, percent: 1 });
  });

  it("sends a POST body, again on a 307 and a 302 (got's methodRewriting: false, as with Crawlee's default client), and turns a 303 into a GET without it", async () => {
    const client = new WarcHttpClient(warc);
    const posted = await client.sendRequest({ url: `${site.url}/307`, method: 'POST', body: 'a=1&b=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(posted.body).toBe('POST a=1&b=2');
    const kept = await client.sendRequest({ url: `${site.url}/302`, method: 'POST', body: 'a=1' });
    expect(kept.body).toBe('POST a=1');
    const seeOther = await client.sendRequest({ url: `${site.url}/303`, method: 'POST', body: 'a=1' });
    expect(seeOther.body).toBe('GET ');
    const streamed = await client.stream({ url: `${site.url}/echo`, method: 'PUT', body: Readable.from([Buffer.from('x'), 'yz']) });
    expect((await buffer(streamed.stream)).toString()).toBe('PUT xyz');
    expect(streamed.uploadProgress).toMatchObject({ transferred: 3, total: 3, percent: 1 });
    const form = new FormData();
    form.append('field', 'value');
    form.append('upload', new File(['file body'], 'a.txt', { type: 'text/plain' }));
    const multipart = await client.sendRequest({ url: `${site.url}/echo`, method: 'POST', body: form });
    expect(multipart.body).toMatch(/^POST --.*\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n/s);
    expect(multipart.body).toMatch(/name="upload"; filename="a.txt"\r\nContent-Type: text\/plain\r\n\r\nfile body\r\n/);
    // A file entry that is not a platform Blob (Crawlee's FileLike: name, type, stream()).
    const fileLike = { name: 'b.bin', type: 'application/octet-stream', size: 3, lastModified: 0, stream: async function* () { yield Buffer.from('abc'); } };
    const entries: Array<[string, typeof fileLike]> = [['blob', fileLike]];
    const formLike = { append: () => undefined, getAll: () => [], entries: () => entries[Symbol.iterator](), [Symbol.iterator]: () => entries[Symbol.iterator]() };
    const withFile = await client.sendRequest({ url: `${site.url}/echo`, method: 'POST', body: formLike });
    expect(withFile.body).toMatch(/name="blob"; filename="b.bin"\r\nContent-Type: application\/octet-stream\r\n\r\nabc\r\n/);
  });
});

describe('proxy failures', () => {
  it('reach Crawlee as ERR_PROXY_CONNECTION_FAILED, the words its session rotation looks for', async () => {
    const dead = await WarcClient.create({ writer: { directory: join(dir, 'dead') }, dialer: { proxies: [`socks5://127.0.0.1:${await freePort()}`], proxyRetries: 0 } });
    try {
      const err = await new WarcHttpClient(dead).sendRequest({ url: `${site.url}/` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CrawleeAdapterError);
      expect(err).toMatchObject({ code: 'ERR_PROXY_CONNECTION_FAILED', message: expect.stringMatching(/^ERR_PROXY_CONNECTION_FAILED: /) });
      expect((err as Error).cause).toBeInstanceOf(ProxyError);
    } finally {
      await dead.close();
    }
  });
});

describe('TLS', () => {
  it('ignoreSslErrors / https.rejectUnauthorized decide verification of a self-signed origin per request', async () => {
    const client = new WarcHttpClient(warc);
    const ok = await client.sendRequest({ url: `${tlsSite.url}/`, https: { rejectUnauthorized: false } });
    expect(ok.body).toBe('<html>ok</html>');
    const ignored = await client.sendRequest({ url: `${tlsSite.url}/`, ignoreSslErrors: true });
    expect(ignored.statusCode).toBe(200);
    await expect(client.sendRequest({ url: `${tlsSite.url}/`, https: { rejectUnauthorized: true } })).rejects.toMatchObject({ code: 'ERR_TLS_HANDSHAKE' });
  });
});

describe('sendRequest', () => {
  it('decodes the body and hands it out as json, buffer or text in the given encoding', async () => {
    const client = new WarcHttpClient(warc);
    const json = await client.sendRequest({ url: `${site.url}/json`, responseType: 'json' });
    expect(json.body).toEqual({ name: 'warcwire', n: 13 });
    const buffer = await client.sendRequest({ url: `${site.url}/json`, responseType: 'buffer' });
    expect(Buffer.isBuffer(buffer.body)).toBe(true);
    expect(buffer.body.toString()).toBe('{"name":"warcwire","n":13}');
    const latin1 = await client.sendRequest({ url: `${site.url}/latin1`, encoding: 'latin1' });
    expect(latin1.body).toBe('café');
    // The record keeps the body as sent: gzip.
    const [record] = byUri(await records(), 'response', `${site.url}/json`);
    expect(record!.block.subarray(record!.block.indexOf('\r\n\r\n') + 4, record!.block.indexOf('\r\n\r\n') + 6)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('throws typed errors for a body that is not JSON and, with throwHttpErrors, for a 4xx', async () => {
    const client = new WarcHttpClient(warc);
    await expect(client.sendRequest({ url: `${site.url}/not-json`, responseType: 'json' })).rejects.toMatchObject({ code: 'ERR_RESPONSE_PARSE' });
    const gone = await client.sendRequest({ url: `${site.url}/gone` });
    expect(gone.statusCode).toBe(410);
    const err = await client.sendRequest({ url: `${site.url}/gone`, throwHttpErrors: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrawleeAdapterError);
    expect(err).toMatchObject({ code: 'ERR_HTTP_STATUS', statusCode: 410 });
  });
});

describe('stopping', () => {
  it('timeout.request bounds the whole call, body included: ERR_REQUEST_TIMEOUT, the record keeps what arrived', async () => {
    const client = new WarcHttpClient(warc);
    const started = Date.now();
    await expect(client.sendRequest({ url: `${site.url}/stall`, timeout: { request: 300 } })).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3000);
    const [record] = byUri(await records(), 'response', `${site.url}/stall`);
    expect(header(record!, 'WARC-Truncated')).toBeDefined();
    expect(record!.block.toString()).toMatch(/\r\n\r\nx{100}$/);
  });

  it("timeout.response bounds each hop's wait for the head: ERR_REQUEST_TIMEOUT, nothing recorded", async () => {
    const client = new WarcHttpClient(warc);
    await expect(client.sendRequest({ url: `${site.url}/silent`, timeout: { connect: 100, response: 200 } })).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
    expect(byUri(await records(), 'response', `${site.url}/silent`)).toEqual([]);
  });

  it('a connection closed mid-body fails the call with a typed error, the record keeps what arrived', async () => {
    const client = new WarcHttpClient(warc);
    await expect(client.sendRequest({ url: `${site.url}/cut` })).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    const [record] = byUri(await records(), 'response', `${site.url}/cut`);
    expect(header(record!, 'WARC-Truncated')).toBe('disconnect');
  });

  it('an aborted signal fails the call with its reason', async () => {
    const client = new WarcHttpClient(warc);
    const reason = new Error('crawler shut down');
    await expect(client.sendRequest({ url: `${site.url}/`, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('stops the download of a streamed body nobody reads and records it truncated', async () => {
    bigSent = 0;
    const client = new WarcHttpClient(warc);
    const res = await client.stream({ url: `${site.url}/big.bin` });
    expect(res.statusCode).toBe(200);
    const failed = await new Promise<Error>((resolve) => res.stream.once('error', resolve));
    expect(failed).toMatchObject({ code: 'ERR_BODY_UNREAD' });
    const [record] = byUri(await records(), 'response', `${site.url}/big.bin`);
    expect(header(record!, 'WARC-Truncated')).toBe('length');
    expect(record!.block.length).toBeLessThan(BIG / 4);
    expect(bigSent).toBeLessThan(BIG / 3);
  });

  it('a body stopped unread fails the reader that comes later (Crawlee reads after its post-navigation hooks)', async () => {
    const client = new WarcHttpClient(warc, { unreadBodyTimeout: 100 });
    const res = await client.stream({ url: `${site.url}/big.bin` });
    // A hook slower than unreadBodyTimeout, then Crawlee's read: on('data').on('error').on('end').
    await new Promise((r) => setTimeout(r, 400));
    const read = new Promise<unknown>((resolve, reject) => {
      res.stream.on('data', () => undefined).on('error', reject).on('end', () => resolve('ended'));
    });
    const outcome = await Promise.race([read.catch((err: unknown) => err), new Promise((r) => setTimeout(() => r('no event within 3 s'), 3000))]);
    expect(outcome).toMatchObject({ code: 'ERR_BODY_UNREAD' });
    const [record] = byUri(await records(), 'response', `${site.url}/big.bin`);
    expect(header(record!, 'WARC-Truncated')).toBe('length');
  });
});
