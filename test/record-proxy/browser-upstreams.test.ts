/**
 * Chromium as the client of a recording proxy whose own requests go upstream
 * through microsocks (SOCKS5) and squid (HTTP CONNECT): the page and its
 * stylesheet load, every request the origin answered is one pair with its
 * exact bytes, and the daemon's log shows the tunnel to the origin.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingProxy } from '../../src/record-proxy';
import { offlineDns, startBrowserSite, type BrowserSite } from '../helpers/browser-site';
import { launchChromium } from '../helpers/chromium';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { startMicrosocks, startSquid, type ProxyDaemon } from '../helpers/net-proxies';
import { recordedBlocks, servedBlocks } from '../helpers/served-records';
import { warcioRead } from '../helpers/warc-tools';

describeWithChromium('Chromium through the recording proxy and an upstream proxy', () => {
  let site: BrowserSite;
  let microsocks: ProxyDaemon;
  let squid: ProxyDaemon;
  let dir: string;

  beforeAll(async () => {
    [site, microsocks, squid] = await Promise.all([startBrowserSite(), startMicrosocks(), startSquid()]);
    dir = mkdtempSync(join(tmpdir(), 'warcwire-browser-upstream-'));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([site?.close(), microsocks?.stop(), squid?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['microsocks', (): ProxyDaemon => microsocks, 'socks5'],
    ['squid', (): ProxyDaemon => squid, 'http'],
  ])('through %s', async (name, daemon, scheme) => {
    const out = join(dir, name);
    const logBefore = daemon().log().length;
    const first = site.served.length;
    const proxy = await createRecordingProxy({
      listen: '127.0.0.1:0',
      ca: { dir: join(dir, 'ca') },
      client: { writer: { directory: out }, tls: { ca: site.certificate.cert }, dialer: { proxies: [daemon().url(scheme)], dns: offlineDns(dir) } },
    });
    const browser = await launchChromium({ proxy: proxy.url, trust: [proxy.ca.spkiSha256] });
    try {
      const page = await browser.newPage();
      // By IP literal: squid resolves names itself, and site.test is known only to our hosts file.
      await page.goto(`${site.ipOrigin}/c/0`, { waitUntil: 'load' });
      expect(await page.title()).toBe('crawl page 0');
    } finally {
      await browser.close();
      await proxy.close();
    }
    const served = site.served.slice(first);
    expect(browser.requests.map((r) => `${r.outcome} ${r.url}`)).toEqual([`finished ${site.ipOrigin}/c/0`, `finished ${site.ipOrigin}/c/style.css`]);
    const records = readdirSync(out).flatMap((f) => warcioRead(join(out, f)));
    expect(recordedBlocks(records, 'response')).toEqual(servedBlocks(served, 'response'));
    expect(recordedBlocks(records, 'request')).toEqual(servedBlocks(served, 'request'));
    // microsocks: "connected to 127.0.0.1:PORT"; squid's access log: CONNECT 127.0.0.1:PORT.
    expect(daemon().log().slice(logBefore)).toContain(new URL(site.ipOrigin).host);
  }, 30_000);
});
