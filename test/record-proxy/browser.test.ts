/**
 * Debian's Chromium loads the two-origin https test site (redirect, gzip CSS
 * with a web font, a script that fetch()es chunked JSON, PNG, SVG, a
 * gzip+chunked iframe of a second origin) once directly and once through the
 * recording proxy, trusting warcwire's CA by its SPKI hash and nothing else.
 * Every request the browser reported is in the WARC exactly once as a pair,
 * every response block is the bytes the origin sent, warcio reads it all, and
 * the page rendered the same as direct. A browser that does not trust the CA
 * fails the handshake and nothing is recorded.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { offlineDns, startBrowserSite, type BrowserSite, type ServedRequest } from '../helpers/browser-site';
import { launchChromium, spkiSha256, type BrowserRequest, type LaunchSettings } from '../helpers/chromium';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { recordedBlocks, servedBlocks } from '../helpers/served-records';
import { warcioRead, warcioReadHttp, type WarcioHttpRecord, type WarcioRecord } from '../helpers/warc-tools';

/** What one page load showed and asked for. */
interface Load {
  requests: BrowserRequest[];
  /** The text of the page and of each of its frames. */
  text: string[];
  fonts: string[];
  screenshot: Buffer;
  /** What the origins answered during this load. */
  served: ServedRequest[];
}

async function load(site: BrowserSite, settings: LaunchSettings): Promise<Load> {
  const first = site.served.length;
  const browser = await launchChromium(settings);
  try {
    const page = await browser.newPage();
    await page.goto(`${site.origin}/start`, { waitUntil: 'load' });
    // Browser-side code as strings: this project's TypeScript has no DOM types.
    await page.waitForFunction("document.body.dataset.ready === 'yes'");
    await page.evaluate('document.fonts.ready.then(() => true)');
    const text = await Promise.all(page.frames().map((frame) => frame.innerText('body')));
    const fonts = await page.evaluate<string[]>("[...document.fonts].map((font) => font.family + ' ' + font.status)");
    const screenshot = await page.screenshot({ animations: 'disabled' });
    return { requests: browser.requests, text, fonts, screenshot, served: site.served.slice(first) };
  } finally {
    await browser.close();
  }
}

describeWithChromium('Chromium through the recording proxy', () => {
  let site: BrowserSite;
  let dir: string;
  let proxy: RecordingProxy | undefined;
  let direct: Load;
  let proxied: Load;
  let files: string[];
  let records: WarcioRecord[];
  let httpRecords: WarcioHttpRecord[];
  let issued: number;

  beforeAll(async () => {
    site = await startBrowserSite();
    dir = mkdtempSync(join(tmpdir(), 'warcwire-browser-'));
    proxy = await createRecordingProxy({
      listen: '127.0.0.1:0',
      ca: { dir: join(dir, 'ca') },
      client: { writer: { directory: join(dir, 'warcs'), prefix: 'BROWSER' }, tls: { ca: site.certificate.cert }, dialer: { dns: offlineDns(dir) } },
    });
    direct = await load(site, { trust: [spkiSha256(site.certificate.cert)], hostResolverRules: site.hostResolverRules });
    proxied = await load(site, { proxy: proxy.url, trust: [proxy.ca.spkiSha256] });
    issued = proxy.issuer.issued;
    await proxy.close();
    proxy = undefined;
    files = readdirSync(join(dir, 'warcs')).map((f) => join(dir, 'warcs', f));
    const complete = files.filter((f) => !f.endsWith('.open'));
    records = complete.flatMap((f) => warcioRead(f));
    httpRecords = complete.flatMap((f) => warcioReadHttp(f));
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every part of the page through the proxy, as directly', () => {
    const asked = (l: Load) => l.requests.map((r) => `${r.outcome} ${r.resourceType} ${r.url}`).sort();
    expect(asked(proxied)).toEqual(asked(direct));
    const paths = proxied.requests.map((r) => new URL(r.url).pathname).sort();
    expect(paths).toEqual(['/app.js', '/data.json', '/dot.svg', '/font.ttf', '/frame.html', '/logo.png', '/page.html', '/shape.svg', '/start', '/style.css']);
    expect(proxied.requests.filter((r) => r.outcome !== 'finished')).toEqual([]);
    expect(proxied.requests.find((r) => r.url.endsWith('/page.html'))?.redirectedFrom).toBe(`${site.origin}/start`);
    expect(proxied.requests.find((r) => r.url.endsWith('/dot.svg'))?.frameUrl).toBe(`${site.frameOrigin}/frame.html`);
  });

  it('renders the same as direct: text, web font and pixels', () => {
    expect(proxied.text.join('\n')).toContain('item 59');
    expect(proxied.text.join('\n')).toContain('Inside the frame of a second origin');
    expect(proxied.text).toEqual(direct.text);
    expect(proxied.fonts).toEqual(['TestFont loaded']);
    expect(direct.fonts).toEqual(['TestFont loaded']);
    expect(proxied.screenshot.equals(direct.screenshot)).toBe(true);
  });

  it('leaves complete files that warcio reads, no .open file', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('.open'))).toEqual([]);
    expect(new Set(records.map((r) => r.type))).toEqual(new Set(['warcinfo', 'request', 'response']));
  });

  it('records each request the browser made exactly once as a pair, as the origin saw it', () => {
    const responses = records.filter((r) => r.type === 'response');
    const requests = records.filter((r) => r.type === 'request');
    const urls = proxied.requests.map((r) => r.url).sort();
    expect(responses.map((r) => r.targetUri).sort()).toEqual(urls);
    expect(requests.map((r) => r.targetUri).sort()).toEqual(urls);
    // The origins answered exactly those requests, each once.
    expect(proxied.served.map((s) => s.url).sort()).toEqual(urls);
    for (const response of responses) {
      const request = requests.find((r) => r.concurrentTo === response.id);
      expect({ url: response.targetUri, paired: request?.targetUri }).toEqual({ url: response.targetUri, paired: response.targetUri });
    }
  });

  it('stores every response block as the bytes the origin sent, every request block as it received', () => {
    expect(recordedBlocks(records, 'response')).toEqual(servedBlocks(proxied.served, 'response'));
    expect(recordedBlocks(records, 'request')).toEqual(servedBlocks(proxied.served, 'request'));
  });

  it('keeps the encodings as sent: warcio decodes the gzip and chunked responses itself', () => {
    const content = (path: string) => httpRecords.find((r) => r.type === 'response' && r.targetUri === `${path.startsWith('/frame') ? site.frameOrigin : site.origin}${path}`)!;
    expect(content('/style.css').headers).toContain('content-encoding: gzip');
    expect(content('/style.css').text).toContain("font-family: 'TestFont'");
    expect(content('/data.json').headers).toContain('transfer-encoding: chunked');
    expect(content('/data.json').text).toMatch(/^\{"items":\["item 0","item 1",/);
    expect(content('/frame.html').headers).toEqual(expect.arrayContaining(['content-encoding: gzip', 'transfer-encoding: chunked']));
    expect(content('/frame.html').text).toContain('Inside the frame of a second origin');
    expect(content('/start').status).toBe(302);
  });

  it('issued one leaf certificate per host', () => {
    // Chromium's own service requests go around the proxy (test/helpers/chromium.ts): only the two hosts of the page came.
    expect(issued).toBe(2);
  });
});

describeWithChromium('Chromium that does not trust the CA', () => {
  it('fails the handshake and nothing is recorded', async () => {
    const site = await startBrowserSite();
    const dir = mkdtempSync(join(tmpdir(), 'warcwire-browser-untrusted-'));
    const proxy = await createRecordingProxy({ listen: '127.0.0.1:0', ca: { dir: join(dir, 'ca') }, client: { writer: { directory: join(dir, 'warcs') }, tls: { ca: site.certificate.cert }, dialer: { dns: offlineDns(dir) } } });
    const browser = await launchChromium({ proxy: proxy.url });
    try {
      const page = await browser.newPage();
      await expect(page.goto(`${site.ipOrigin}/page.html`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await browser.close();
      await proxy.close();
      await site.close();
    }
    try {
      expect(site.served).toEqual([]);
      const warcs = join(dir, 'warcs');
      const written = existsSync(warcs) ? readdirSync(warcs) : [];
      const pairs = written.flatMap((name) => warcioRead(join(warcs, name))).filter((r) => r.type !== 'warcinfo');
      expect(pairs).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
