/**
 * The README's "Record a browser" examples, run as written but for the URL
 * (the local https site, by IP literal), the output directory and the proxy's
 * DNS (kept off the network); the recording proxy trusts the site's test
 * certificate through NODE_EXTRA_CA_CERTS: Playwright loads a page with
 * Debian's Chromium through the recording proxy, and Crawlee's
 * PlaywrightCrawler crawls the site's linked pages through it. Every request
 * the origin answered is in the WARC once as a pair, blocks as sent, no .open
 * file and no ./storage left. Needs `npm run build` (dist/).
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { offlineDns, startBrowserSite, type BrowserSite } from '../helpers/browser-site';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { exampleApp, readmeExample, type ExampleApp, type ExampleRun } from '../helpers/readme-examples';
import { recordedBlocks, servedBlocks } from '../helpers/served-records';
import { warcioRead, type WarcioRecord } from '../helpers/warc-tools';

const EXAMPLE_URL = 'https://example.com/';

describeWithChromium("README's Record a browser examples", () => {
  let site: BrowserSite;
  let app: ExampleApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(resolve(__dirname, '..', '..', 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    site = await startBrowserSite();
    app = exampleApp();
    const caFile = join(app.dir, 'site-ca.pem');
    writeFileSync(caFile, site.certificate.cert);
    // Crawlee's storage stays in memory and, if it writes at all, inside the scratch project.
    env = { NODE_EXTRA_CA_CERTS: caFile, CRAWLEE_PERSIST_STORAGE: 'false', CRAWLEE_STORAGE_DIR: join(app.dir, 'crawlee-storage') };
  });

  afterAll(async () => {
    await site?.close();
    app?.remove();
  });

  /** Runs the example `file` against `url`, its WARC output in `warcs-<file>`. */
  async function runExample(file: string, url: string): Promise<{ run: ExampleRun; files: string[]; records: WarcioRecord[] }> {
    const code = readmeExample(file);
    expect(code).toContain(EXAMPLE_URL);
    const out = `warcs-${file}`;
    const client = "client: { writer: { directory: 'warcs' } }";
    expect(code).toContain(client);
    // Its own output directory, and DNS that never leaves the machine (Chromium's service requests reach the proxy too).
    const offline = `client: { writer: { directory: '${out}' }, dialer: { dns: ${JSON.stringify(offlineDns(app.dir))} } }`;
    const run = await app.run(file, code.replace(EXAMPLE_URL, url).replace(client, offline), env, 50_000);
    if (run.code !== 0) throw new Error(`${file} exited with ${run.code}: ${run.stderr.slice(-3000)}`);
    const files = readdirSync(join(app.dir, out)).map((f) => join(app.dir, out, f));
    return { run, files, records: files.filter((f) => !f.endsWith('.open')).flatMap((f) => warcioRead(f)) };
  }

  it('Playwright with the system Chromium records the page and its stylesheet', async () => {
    const first = site.served.length;
    const { run, files, records } = await runExample('record.mjs', `${site.ipOrigin}/c/0`);
    const served = site.served.slice(first);
    expect(run.stdout.trim()).toBe('crawl page 0');
    expect(files.filter((f) => f.endsWith('.open'))).toEqual([]);
    expect(served.map((s) => s.url).sort()).toEqual([`${site.ipOrigin}/c/0`, `${site.ipOrigin}/c/style.css`]);
    expect(recordedBlocks(records, 'response')).toEqual(servedBlocks(served, 'response'));
    expect(recordedBlocks(records, 'request')).toEqual(servedBlocks(served, 'request'));
  }, 60_000);

  it("Crawlee's PlaywrightCrawler archives all the linked pages", async () => {
    const first = site.served.length;
    const { run, files, records } = await runExample('crawl-browser.mjs', `${site.ipOrigin}/c/0`);
    const served = site.served.slice(first);
    const pages = Array.from({ length: site.crawlPages }, (_, i) => `${site.ipOrigin}/c/${i}`);
    // Every page was handled (the example prints URL and title) and archived.
    const handled = run.stdout.split('\n').filter((line) => line.startsWith(site.ipOrigin));
    expect(handled.sort()).toEqual(pages.map((url) => `${url} crawl page ${url.split('/').pop()}`).sort());
    const archived = new Set(records.filter((r) => r.type === 'response').map((r) => r.targetUri));
    expect(pages.filter((url) => !archived.has(url))).toEqual([]);
    // One pair per request the origin answered, as it sent and received them.
    expect(recordedBlocks(records, 'response')).toEqual(servedBlocks(served, 'response'));
    expect(recordedBlocks(records, 'request')).toEqual(servedBlocks(served, 'request'));
    expect(files.filter((f) => f.endsWith('.open'))).toEqual([]);
    expect(existsSync(join(app.dir, 'storage'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'storage'))).toBe(false);
  }, 60_000);
});
