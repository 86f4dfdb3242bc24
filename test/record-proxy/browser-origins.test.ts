/**
 * Chromium through the recording proxy against origins that answer the way
 * real ones sometimes do, each the browser copes with directly: what the page
 * gets through the proxy is what it gets direct, every request it made is one
 * pair in the WARC, and each response block is the bytes the origin sent.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createRecordingProxy } from '../../src/record-proxy';
import { offlineDns, SITE_HOST, type ServedRequest } from '../helpers/browser-site';
import { launchChromium, type BrowserRequest } from '../helpers/chromium';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { head, response, startRawSite, type RawSite, type Reply, type SiteRequest } from '../helpers/raw-site';
import { recordedBlocks, servedBlocks } from '../helpers/served-records';
import { testCertificate } from '../helpers/tls-cert';
import { warcioRead, type WarcioRecord } from '../helpers/warc-tools';

const HTML = 'text/html; charset=utf-8';
const page = (title: string): Buffer =>
  Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title></head><body><h1>${title}</h1></body></html>`);

/** Path → the origin's answer. */
const ROUTES = new Map<string, (reply: Reply, request: SiteRequest) => void>([
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
  let dir: string;
  const served: ServedRequest[] = [];

  beforeAll(async () => {
    site = await startRawSite((request: SiteRequest, reply: Reply) => {
      served.push({ url: `${origin}${request.path}`, request });
      const route = ROUTES.get(request.path);
      if (route) route(reply, request);
      else reply.whole(response(page('not found'), { status: '404 Not Found', contentType: HTML }));
    }, testCertificate());
    origin = `https://${SITE_HOST}:${site.port}`;
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
});
