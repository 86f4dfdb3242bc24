/**
 * CheerioCrawler and HttpCrawler (real Crawlee 3) crawl a local site of 200+
 * pages through WarcHttpClient: every request the server saw has exactly one
 * record pair, every response block is the bytes the server sent (a prefix for
 * a cut one), retries are pairs of their own, and the 50 MB binary Crawlee skips
 * is recorded truncated after a small part of it was sent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCrawlSite, type CrawlSite, type SiteRequest } from '../helpers/crawl-site';
import { crawl, header, removeRun, sha1Base32, type CrawlRun, type CrawlerKind } from '../helpers/crawlee-crawl';

const BIG = 50 * 1024 * 1024;
/** Redirect hops the site answers for /r/1: not requests of Crawlee's own. */
const HOPS = new Set(['/r/2', '/r/end']);

describe.each<CrawlerKind>(['cheerio', 'http'])('%s crawler with WarcHttpClient', (kind) => {
  let site: CrawlSite;
  let run: CrawlRun;

  beforeAll(async () => {
    site = await startCrawlSite({ pages: 210, bigBytes: BIG, stallMs: 4000 });
    run = await crawl(kind, `${site.url}/`);
  }, 60_000);

  afterAll(async () => {
    await site?.close();
    removeRun(run);
  });

  it('leaves no .open file and no ./storage', () => {
    expect(run.files.length).toBeGreaterThan(0);
    expect(run.files.filter((f) => f.endsWith('.open'))).toEqual([]);
    expect(existsSync(join(process.cwd(), 'storage'))).toBe(false);
  });

  it('records exactly one pair per request the server saw, blocks as sent', () => {
    const responses = run.warcio.filter((r) => r.type === 'response');
    const requests = run.warcio.filter((r) => r.type === 'request');
    expect(responses.length).toBe(site.log.length);
    expect(requests.length).toBe(site.log.length);
    // Each server request is matched to one response record of its URL whose block is what was sent (or its prefix).
    const unmatched = [...responses];
    const take = (e: SiteRequest): WarcioRecordLike | undefined => {
      const sent = e.sent();
      const i = unmatched.findIndex(
        (r) => r.targetUri === `${site.url}${e.path}` && r.blockLength <= sent.length && r.sha1 === sha1Base32(sent.subarray(0, r.blockLength)),
      );
      return i < 0 ? undefined : unmatched.splice(i, 1)[0];
    };
    for (const e of site.log) {
      const record = take(e);
      expect({ path: e.path, matched: record !== undefined }).toEqual({ path: e.path, matched: true });
      if (e.done) expect({ path: e.path, whole: record!.blockLength }).toEqual({ path: e.path, whole: e.sentBytes });
    }
    // The request records are the bytes the server received.
    const received = site.log.map((e) => sha1Base32(e.received)).sort();
    expect(requests.map((r) => r.sha1).sort()).toEqual(received);
  });

  it("matches Crawlee's statistics: each attempt one request, retries separate", () => {
    const attempts = site.log.filter((e) => !HOPS.has(e.path));
    const urls = new Set(attempts.map((e) => e.path));
    // index, pages, the redirect chain's start, 404, 500, slow, reset, binary
    expect(urls.size).toBe(site.pages + 7);
    expect(run.stats.requestsFinished + run.stats.requestsFailed).toBe(urls.size);
    expect(attempts.length).toBe(urls.size + run.stats.requestsRetries);
    // The 500, the timed-out and the reset page were each tried twice (maxRequestRetries: 1).
    for (const path of ['/error', '/slow', '/reset']) expect(attempts.filter((e) => e.path === path).length).toBe(2);
    expect(attempts.filter((e) => e.path === '/big.bin').length).toBe(1);
    expect(site.log.filter((e) => HOPS.has(e.path)).map((e) => e.path)).toEqual(['/r/2', '/r/end']);
  });

  it('stops the skipped binary early and records it truncated', () => {
    expect(site.bigSent()).toBeLessThan(BIG / 5);
    const big = run.ours.filter((r) => r.type === 'response' && header(r, 'WARC-Target-URI') === `${site.url}/big.bin`);
    expect(big.length).toBe(1);
    expect(header(big[0]!, 'WARC-Truncated')).toBe('length');
    // What arrived before the stop: maxUnreadBytes (1 MiB) plus socket buffers; the server's count also holds what sat in the kernel's.
    expect(big[0]!.block.length).toBeLessThan(BIG / 10);
    for (const path of ['/slow', '/reset']) {
      const cut = run.ours.filter((r) => r.type === 'response' && header(r, 'WARC-Target-URI') === `${site.url}${path}`);
      expect(cut.map((r) => header(r, 'WARC-Truncated') !== undefined)).toEqual([true, true]);
    }
  });
});

type WarcioRecordLike = CrawlRun['warcio'][number];
