/**
 * The crawl through a ProxyConfiguration of two real proxies (microsocks, SOCKS5;
 * tinyproxy, HTTP CONNECT), each with its own source address towards the origin,
 * so the origin tells their traffic apart: every request went through the proxy
 * Crawlee chose for its session, and no record claims an IP address.
 */
import { startCrawlSite, type CrawlSite } from '../helpers/crawl-site';
import { crawl, removeRun, type CrawlRun } from '../helpers/crawlee-crawl';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startMicrosocks, startTinyproxy, type ProxyDaemon } from '../helpers/net-proxies';
import { freePort } from '../helpers/net-ports';

const HOPS = new Set(['/r/2', '/r/end']);
let site: CrawlSite;
let socks: ProxyDaemon;
let tiny: ProxyDaemon;
let run: CrawlRun;

beforeAll(async () => {
  [site, socks, tiny] = await Promise.all([
    startCrawlSite({ pages: 40, bigBytes: 4 * 1024 * 1024, stallMs: 2000 }),
    startMicrosocks({ bind: '127.0.0.2' }),
    startTinyproxy({ bind: '127.0.0.3' }),
  ]);
  run = await crawl('http', `${site.url}/`, { proxyUrls: [socks.url('socks5'), tiny.url('http')] });
}, 60_000);

afterAll(async () => {
  await stopAllDaemons();
  await site?.close();
  removeRun(run);
});

it('records every exchange without WARC-IP-Address', () => {
  const pairs = run.warcio.filter((r) => r.type === 'response' || r.type === 'request');
  expect(pairs.length).toBe(2 * site.log.length);
  expect(pairs.filter((r) => r.ipAddress !== null)).toEqual([]);
});

it("sends each session's requests through its own proxy, as the origin and the proxies' logs show", () => {
  const bySource: Record<string, string> = { '127.0.0.2': socks.url('socks5'), '127.0.0.3': tiny.url('http') };
  // Every request reached the origin from one of the proxies.
  expect(site.log.filter((e) => bySource[e.peer] === undefined).map((e) => `${e.path} from ${e.peer}`)).toEqual([]);
  // One proxy per session, and both proxies were used.
  const sessionProxy = new Map<string, Set<string | undefined>>();
  for (const p of run.proxies) sessionProxy.set(p.session ?? '', (sessionProxy.get(p.session ?? '') ?? new Set()).add(p.proxyUrl));
  expect([...sessionProxy.values()].filter((urls) => urls.size !== 1)).toEqual([]);
  expect(new Set(run.proxies.map((p) => p.proxyUrl))).toEqual(new Set(Object.values(bySource)));
  // What Crawlee sent through each proxy is what the origin received from it.
  for (const [source, proxyUrl] of Object.entries(bySource)) {
    const atOrigin = site.log.filter((e) => e.peer === source && !HOPS.has(e.path)).map((e) => e.path).sort();
    const sent = run.proxies.filter((p) => p.proxyUrl === proxyUrl).map((p) => p.path).sort();
    expect(atOrigin).toEqual(sent);
  }
  const port = new URL(site.url).port;
  expect(socks.log()).toContain(`connected to 127.0.0.1:${port}`);
  expect(tiny.log()).toMatch(new RegExp(`CONNECT.*127\\.0\\.0\\.1:${port}`));
});

it('retires the session of a proxy that refuses, and the crawl goes on through the other', async () => {
  const small = await startCrawlSite({ pages: 12, bigBytes: 1024 * 1024, stallMs: 1500 });
  const dead = `socks5://127.0.0.1:${await freePort()}`;
  let second: CrawlRun | undefined;
  try {
    second = await crawl('http', `${small.url}/`, { proxyUrls: [dead, tiny.url('http')] });
    expect(second.proxies.filter((p) => p.proxyUrl === dead).length).toBeGreaterThan(0);
    // Every page was handled, through tinyproxy: a refused proxy costs a session, not the page.
    const pages = Array.from({ length: 12 }, (_, i) => `${small.url}/p/${i}`);
    expect(pages.filter((u) => !second!.handled.includes(u))).toEqual([]);
    expect(small.log.filter((e) => e.peer !== '127.0.0.3')).toEqual([]);
  } finally {
    await small.close();
    removeRun(second);
  }
}, 60_000);
