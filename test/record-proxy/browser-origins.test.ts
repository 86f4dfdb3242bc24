/**
 * Chromium through the recording proxy against what real pages do (cookies,
 * forms, JSON posts, CORS preflights, HEAD, 204, Range, event streams, cut and
 * close-delimited bodies) and origins that answer the way real ones sometimes
 * do (103 Early Hints, a 304 with a Content-Length): what the page gets through
 * the proxy is what it gets direct, every request it made is one pair in the
 * WARC, and each response block is the bytes the origin sent.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createRecordingProxy } from '../../src/record-proxy';
import { FRAME_HOST, offlineDns, SITE_HOST, type ServedRequest } from '../helpers/browser-site';
import { launchChromium, type BrowserRequest } from '../helpers/chromium';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { head, response, startRawSite, type RawSite, type Reply, type SiteRequest } from '../helpers/raw-site';
import { recordedBlocks, servedBlocks } from '../helpers/served-records';
import { testCertificate } from '../helpers/tls-cert';
import { warcioRead, type WarcioRecord } from '../helpers/warc-tools';

const HTML = 'text/html; charset=utf-8';
const page = (title: string, body = ''): Buffer =>
  Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);

/** Path → the origin's answer. */
const bodyOf = (request: SiteRequest): Buffer => request.received.subarray(request.received.indexOf('\r\n\r\n') + 4);
const headerOf = (request: SiteRequest, name: string): string | undefined => new RegExp(`\r\n${name}:\\s*([^\r]*)`, 'i').exec(request.received.toString('latin1'))?.[1];
const text = (body: string, extra: Array<[string, string]> = []): Buffer => response(Buffer.from(body), { contentType: 'text/plain', headers: extra });
/** A chunk of a chunked body. */
const chunk = (data: string): Buffer => Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
const CORS: Array<[string, string]> = [['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-custom, content-type']];

const ROUTES = new Map<string, (reply: Reply, request: SiteRequest) => void>([
  ['/home', (reply) => reply.whole(response(page('home'), { contentType: HTML, headers: [['Set-Cookie', 'session=abc123; Path=/; Secure'], ['Set-Cookie', 'theme=dark; Path=/; Secure']] }))],
  ['/cookie', (reply, request) => reply.whole(text(`cookie: ${headerOf(request, 'cookie') ?? ''}`))],
  ['/form', (reply) => reply.whole(response(page('form', '<form method="post" action="/echo"><input name="q" value="hello world"><button id="go">go</button></form>'), { contentType: HTML }))],
  ['/echo', (reply, request) => reply.whole(response(page(`${request.method} ${bodyOf(request).toString()}`), { contentType: HTML }))],
  // On the second origin: a preflighted cross-origin PUT.
  [
    '/cors',
    (reply, request) => {
      const allow: Array<[string, string]> = [['Access-Control-Allow-Origin', headerOf(request, 'origin') ?? '']];
      if (request.method === 'OPTIONS') reply.whole(head('204 No Content', [...allow, ...CORS]));
      else reply.whole(text(`${request.method} ${bodyOf(request).toString()}`, allow));
    },
  ],
  ['/head', (reply) => reply.whole(head('200 OK', [['Content-Type', 'text/plain'], ['Content-Length', 100]]))],
  ['/nocontent', (reply) => reply.whole(head('204 No Content', []))],
  [
    '/range',
    (reply, request) => {
      const whole = Buffer.alloc(1000, 'r');
      if (headerOf(request, 'range') === 'bytes=0-99') reply.whole(response(whole.subarray(0, 100), { status: '206 Partial Content', contentType: 'application/octet-stream', headers: [['Content-Range', 'bytes 0-99/1000']] }));
      else reply.whole(response(whole, { contentType: 'application/octet-stream' }));
    },
  ],
  // Three events, then the stream stays open (quiet) until the browser closes it.
  [
    '/events',
    (reply) => {
      reply.write(head('200 OK', [['Content-Type', 'text/event-stream'], ['Cache-Control', 'no-store'], ['Transfer-Encoding', 'chunked']]));
      let sent = 0;
      const timer = setInterval(() => {
        reply.write(chunk(`data: event ${sent}\n\n`));
        if (++sent === 3) clearInterval(timer);
      }, 100);
      reply.socket.once('close', () => clearInterval(timer));
    },
  ],
  // 400 of the 1000 bytes promised, then the connection drops.
  [
    '/cut',
    (reply) => {
      reply.write(head('200 OK', [['Content-Type', 'text/plain'], ['Content-Length', 1000]]));
      reply.write(Buffer.alloc(400, 'c'));
      setTimeout(() => reply.socket.destroy(), 50);
    },
  ],
  // The head, then the connection drops before any of the 1000 body bytes.
  [
    '/head-only',
    (reply) => {
      reply.write(head('200 OK', [['Content-Type', 'text/plain'], ['Content-Length', 1000]]));
      setTimeout(() => reply.socket.destroy(), 50);
    },
  ],
  // HTTP/1.0, no length: the body ends where the connection does.
  [
    '/http10',
    (reply) => {
      reply.write(Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited body\n', 'latin1'));
      setTimeout(() => reply.socket.end(), 50);
    },
  ],
  // Early Hints (RFC 8297) before the page itself.
  [
    '/hinted',
    (reply) => {
      reply.write(head('103 Early Hints', [['Link', '</hinted.css>; rel=preload; as=style']]));
      reply.whole(response(page('hinted page'), { contentType: HTML }));
    },
  ],
  // Revalidated by ETag; the 304 carries the representation's Content-Length, as RFC 9110 allows.
  [
    '/validated',
    (reply, request) => {
      const body = page('validated page');
      if (/\r\nif-none-match: "v1"\r\n/i.test(request.received.toString('latin1'))) {
        reply.whole(head('304 Not Modified', [['ETag', '"v1"'], ['Cache-Control', 'no-cache'], ['Content-Length', body.length]]));
      } else reply.whole(response(body, { contentType: HTML, headers: [['ETag', '"v1"'], ['Cache-Control', 'no-cache']] }));
    },
  ],
]);

interface Session {
  requests: BrowserRequest[];
  records: WarcioRecord[];
  served: ServedRequest[];
}

describeWithChromium('Chromium through the recording proxy, origins real pages meet', () => {
  let site: RawSite;
  let origin: string;
  /** The same server by another name: a second origin, for CORS. */
  let other: string;
  let dir: string;
  const served: ServedRequest[] = [];

  beforeAll(async () => {
    site = await startRawSite((request: SiteRequest, reply: Reply) => {
      // The URL as the browser named the origin (site.test or frame.test: the same server).
      const host = /\r\nhost:\s*([^\r]+)/i.exec(request.received.toString('latin1'))?.[1] ?? '';
      served.push({ url: `https://${host}${request.path}`, request });
      const route = ROUTES.get(request.path);
      if (route) route(reply, request);
      else reply.whole(response(page('not found'), { status: '404 Not Found', contentType: HTML }));
    }, testCertificate());
    origin = `https://${SITE_HOST}:${site.port}`;
    other = `https://${FRAME_HOST}:${site.port}`;
    dir = mkdtempSync(join(tmpdir(), 'warcwire-browser-origins-'));
  });

  afterAll(async () => {
    await site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A proxy writing into a directory of its own and a Chromium through it, both closed after `use`. */
  async function session(name: string, use: (page: Page) => Promise<void>): Promise<Session> {
    const out = join(dir, name);
    const first = served.length;
    const proxy = await createRecordingProxy({
      listen: '127.0.0.1:0',
      ca: { dir: join(dir, 'ca') },
      client: { writer: { directory: out }, tls: { ca: testCertificate().cert }, dialer: { dns: offlineDns(dir) } },
    });
    const browser = await launchChromium({ proxy: proxy.url, trust: [proxy.ca.spkiSha256] });
    try {
      await use(await browser.newPage());
    } finally {
      await browser.close();
      await proxy.close();
    }
    const records = readdirSync(out).flatMap((f) => warcioRead(join(out, f)));
    return { requests: browser.requests, records, served: served.slice(first) };
  }

  /** One pair per request the browser made, each block the bytes the origin sent or received. */
  function expectRecordedAsServed(s: Session): void {
    const urls = s.requests.map((r) => r.url).sort();
    expect(s.records.filter((r) => r.type === 'response').map((r) => r.targetUri).sort()).toEqual(urls);
    expect(s.records.filter((r) => r.type === 'request').map((r) => r.targetUri).sort()).toEqual(urls);
    expect(recordedBlocks(s.records, 'response')).toEqual(servedBlocks(s.served, 'response'));
    expect(recordedBlocks(s.records, 'request')).toEqual(servedBlocks(s.served, 'request'));
  }

  it('loads a page whose origin sends 103 Early Hints first; the record keeps both heads', async () => {
    let status: number | undefined;
    const s = await session('hinted', async (p) => {
      status = (await p.goto(`${origin}/hinted`))?.status();
      expect(await p.title()).toBe('hinted page');
    });
    expect(status).toBe(200);
    expect(s.requests.map((r) => `${r.outcome} ${r.url}`)).toEqual([`finished ${origin}/hinted`]);
    expectRecordedAsServed(s);
  }, 30_000);

  it('revalidates a page whose 304 carries a Content-Length; the browser shows it from its cache, the 304 is recorded once', async () => {
    const s = await session('validated', async (p) => {
      await p.goto(`${origin}/validated`);
      await p.reload();
      expect(await p.title()).toBe('validated page');
    });
    expect(s.requests.map((r) => `${r.outcome} ${r.url}`)).toEqual([`finished ${origin}/validated`, `finished ${origin}/validated`]);
    expect(s.served.map((x) => x.request.sent().toString('latin1').split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 304 Not Modified']);
    expectRecordedAsServed(s);
  }, 30_000);

  it('cookies, a form POST, fetch() with JSON, a CORS preflight, HEAD, 204, Range, an event stream, a cut body and HTTP/1.0: as direct, each recorded once as sent', async () => {
    const seen: Record<string, unknown> = {};
    // Browser-side code as strings: this project's TypeScript has no DOM types.
    const s = await session('features', async (p) => {
      await p.goto(`${origin}/home`);
      seen.cookie = await p.evaluate("fetch('/cookie').then((r) => r.text())");
      await p.goto(`${origin}/form`);
      await Promise.all([p.waitForURL(`${origin}/echo`), p.click('#go')]);
      seen.form = await p.title();
      seen.json = await p.evaluate("fetch('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) }).then((r) => r.text())");
      seen.cors = await p.evaluate(`fetch('${other}/cors', { method: 'PUT', headers: { 'x-custom': '1', 'content-type': 'application/json' }, body: '{}' }).then((r) => r.text())`);
      seen.head = await p.evaluate("fetch('/head', { method: 'HEAD' }).then(async (r) => [r.status, r.headers.get('content-length'), (await r.text()).length])");
      seen.noContent = await p.evaluate("fetch('/nocontent').then(async (r) => [r.status, (await r.text()).length])");
      seen.range = await p.evaluate("fetch('/range', { headers: { range: 'bytes=0-99' } }).then(async (r) => [r.status, r.headers.get('content-range'), (await r.arrayBuffer()).byteLength])");
      // The stream never ends: its events can only have come while it was open.
      seen.events = await p.evaluate(
        "new Promise((resolve, reject) => { const got = []; const source = new EventSource('/events'); source.onmessage = (e) => { got.push(e.data); if (got.length === 3) { source.close(); resolve(got); } }; setTimeout(() => reject(new Error('events: ' + got.join())), 5000); })",
      );
      seen.cut = await p.evaluate("fetch('/cut').then((r) => r.text()).then(() => 'whole', (e) => e.name)");
      seen.http10 = await p.evaluate("fetch('/http10').then((r) => r.text())");
    });
    expect(seen).toEqual({
      cookie: 'cookie: session=abc123; theme=dark',
      form: 'POST q=hello+world',
      json: '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>POST {"a":1}</title></head><body><h1>POST {"a":1}</h1></body></html>',
      cors: 'PUT {}',
      head: [200, '100', 0],
      noContent: [204, 0],
      range: [206, 'bytes 0-99/1000', 100],
      events: ['event 0', 'event 1', 'event 2'],
      cut: 'TypeError',
      http10: 'close-delimited body\n',
    });
    expect(s.requests.filter((r) => r.url.endsWith('/cors')).map((r) => r.method)).toEqual(['PUT']);
    // The preflight is the browser's own (no request event), but it went through the proxy and is recorded too.
    const preflight = s.served.filter((x) => x.request.method === 'OPTIONS').map((x) => x.url);
    expect(preflight).toEqual([`${other}/cors`]);
    const urls = [...s.requests.map((r) => r.url), ...preflight].sort();
    expect(s.records.filter((r) => r.type === 'response').map((r) => r.targetUri).sort()).toEqual(urls);
    expect(recordedBlocks(s.records, 'response')).toEqual(servedBlocks(s.served, 'response'));
    expect(recordedBlocks(s.records, 'request')).toEqual(servedBlocks(s.served, 'request'));
    const truncated = (path: string) => s.records.find((r) => r.type === 'response' && r.targetUri === `${origin}${path}`)?.truncated;
    expect(truncated('/cut')).toBe('disconnect');
    expect(truncated('/events')).not.toBeNull();
    expect(truncated('/http10')).toBeNull();
  }, 30_000);

  it('a response cut right after its head reaches the browser as such: not retried, one truncated pair', async () => {
    let outcome: unknown;
    const s = await session('head-only', async (p) => {
      await p.goto(`${origin}/home`);
      outcome = await p.evaluate("fetch('/head-only').then(async (r) => [r.status, await r.text().then(() => 'whole', (e) => e.name)], (e) => e.name)");
    });
    // Direct, Chromium has the status and then fails the body; it asks the origin once.
    expect(outcome).toEqual([200, 'TypeError']);
    expect(s.served.filter((x) => x.request.path === '/head-only')).toHaveLength(1);
    expect(s.records.filter((r) => r.type === 'response' && r.targetUri === `${origin}/head-only`).map((r) => r.truncated)).toEqual(['disconnect']);
    expectRecordedAsServed(s);
  }, 30_000);
});
