/**
 * A crawler team's browser crawl through the recording proxy: Crawlee's
 * PlaywrightCrawler (Debian's Chromium, concurrency 10) over three https
 * origins sharing a stylesheet, script and image, with a redirect chain, a 404,
 * a 500 that Crawlee retries and a page of 100 images; proxy auth in the proxy
 * URL, Warcwire-Meta from a pre-navigation hook (one warcPrefix for the job, a
 * tag per origin), local dedupe. Every request an origin answered is one pair
 * (a revisit pointing at a full record of the same payload when repeated),
 * /stats agrees with the files, `check` and `index` take them, and the proxy's
 * sockets are back to where they were; a crawl torn down halfway leaves whole
 * files. The crawl runs in a child process (test/helpers/browser-crawl-child.ts).
 * Needs `npm run build` (bin/warcwire.js for check and index).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCrawlOptions, BrowserCrawlResult } from '../helpers/browser-crawl-child';
import { runCli } from '../helpers/cli-child';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { CRAWL_HOSTS, MANY_RESOURCES } from '../helpers/crawl-origins';
import { startDnsmasq } from '../helpers/net-proxies';
import { startRecordProxyCli } from '../helpers/record-proxy-cli';
import { readAll, type ReadBack } from '../helpers/warc-read';
import { warcioRead } from '../helpers/warc-tools';

const CHILD = join(__dirname, '..', 'helpers', 'browser-crawl-child.ts');
const REGISTER = join(__dirname, '..', 'helpers', 'warc-ts-register.js');

async function browserCrawl(dir: string, options: BrowserCrawlOptions): Promise<BrowserCrawlResult> {
  const child = spawn(process.execPath, ['-r', REGISTER, CHILD, dir, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the crawl exited with ${code}: ${Buffer.concat(err).toString().slice(-3000)}`);
  const lines = Buffer.concat(out).toString().trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as BrowserCrawlResult;
}

const header = (record: ReadBack, name: string): string | undefined => record.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
const countBy = <T>(items: T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

describeWithChromium('a Crawlee PlaywrightCrawler crawl through the recording proxy', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warcwire-browser-crawl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records every answered request once, dedupes the shared files, and /stats, check and index agree', async () => {
    const run = await browserCrawl(dir, { pagesPerOrigin: 10, proxy: true });
    // Every page handled; each origin's 500 was retried once and came back 200.
    expect(run.failed).toEqual([]);
    expect(run.handled.map((h) => h.loadedUrl).sort()).toEqual(run.pages.slice().sort());
    const flaky = run.handled.filter((h) => h.url.endsWith('/flaky'));
    expect(flaky.map((h) => [h.status, h.retry])).toEqual([[200, 1], [200, 1], [200, 1]]);
    expect(run.served.filter((s) => s.url.endsWith('/flaky')).map((s) => s.status).sort()).toEqual([200, 200, 200, 500, 500, 500]);
    expect(run.served.filter((s) => /\/m\/\d+\.png$/.test(s.url))).toHaveLength(MANY_RESOURCES);

    // One pair per answered request: a response or revisit and its request, under the job's prefix.
    expect(run.files.filter((f) => f.endsWith('.open'))).toEqual([]);
    const records: ReadBack[] = [];
    for (const file of run.files) records.push(...(await readAll(file)).records);
    const pairsIn = run.files.filter((f) => /\/JOB-1-[^/]*$/.test(f));
    expect(pairsIn).toHaveLength(1);
    const answers = records.filter((r) => r.type === 'response' || r.type === 'revisit');
    const served = countBy(run.served, (s) => s.url);
    expect(countBy(answers, (r) => header(r, 'WARC-Target-URI')!)).toEqual(served);
    expect(countBy(records.filter((r) => r.type === 'request'), (r) => header(r, 'WARC-Target-URI')!)).toEqual(served);
    // warcio reads the same records.
    expect(run.files.flatMap((f) => warcioRead(f)).filter((r) => r.type !== 'warcinfo' && r.type !== 'resource')).toHaveLength(records.filter((r) => r.type !== 'warcinfo' && r.type !== 'resource').length);

    // The shared stylesheet, script and image repeat: revisits, each pointing at a full record of its payload.
    const revisits = answers.filter((r) => r.type === 'revisit');
    expect(revisits.length).toBeGreaterThan(20);
    const full = new Map(answers.filter((r) => r.type === 'response').map((r) => [`${header(r, 'WARC-Target-URI')} ${header(r, 'WARC-Date')}`, r]));
    for (const revisit of revisits) {
      const original = full.get(`${header(revisit, 'WARC-Refers-To-Target-URI')} ${header(revisit, 'WARC-Refers-To-Date')}`);
      expect(original && header(original, 'WARC-Payload-Digest')).toBe(header(revisit, 'WARC-Payload-Digest'));
    }

    // /stats: everything under the job's prefix, each origin's tag counting that origin's pairs.
    const stats = run.proxyStats!;
    expect(stats.prefixes['JOB-1']).toMatchObject({ recorded: answers.length, revisits: revisits.length, failed: 0 });
    const byHost = countBy(answers, (r) => `origin:${new URL(header(r, 'WARC-Target-URI')!).hostname}`);
    expect(Object.fromEntries(Object.entries(stats.tags).map(([tag, counts]) => [tag, counts.recorded]))).toEqual(byHost);
    expect(stats.rejected.auth).toBe(0);
    expect(stats.clients.active).toBe(0);

    // check passes; index lists each captured URL once per capture.
    const check = await runCli(['check', ...run.files]);
    expect(check.code).toBe(0);
    const index = await runCli(['index', ...run.files]);
    expect(index.code).toBe(0);
    const indexed = index.out.toString().trim().split('\n').map((line) => (JSON.parse(line.slice(line.indexOf('{'))) as { url: string }).url);
    expect(countBy(indexed, (url) => url)).toEqual(served);

    // No socket left once idle kept-alive connections are gone (the open WARC file is one more descriptor until close).
    expect(run.fds.later.socket).toBe(run.fds.before.socket);
  }, 120_000);

  it('a crawl torn down halfway leaves finished files only, every record readable', async () => {
    const run = await browserCrawl(dir, { pagesPerOrigin: 10, proxy: true, stopAfter: 12 });
    expect(run.handled.length).toBeLessThan(run.pages.length);
    expect(run.files.filter((f) => f.endsWith('.open'))).toEqual([]);
    expect((await runCli(['check', ...run.files])).code).toBe(0);
    const answers = run.files.flatMap((f) => warcioRead(f)).filter((r) => r.type === 'response' || r.type === 'revisit');
    expect(answers.length).toBe(run.proxyStats!.exchanges.recorded);
  }, 120_000);

  it('the CLI (--config with auth, --dedupe local) stopped by SIGINT after the crawl: its summary counts what the files hold', async () => {
    // The CLI's names come from a real resolver that knows only the site (no hosts file option there).
    const dns = await startDnsmasq({ records: Object.fromEntries(CRAWL_HOSTS.map((host) => [host, ['127.0.0.1']])) });
    const config = join(dir, 'auth.json');
    writeFileSync(config, JSON.stringify({ auth: { users: [{ username: 'crawler', password: 's3cret:pass' }] } }));
    const out = join(dir, 'cli-warcs');
    const proxy = startRecordProxyCli(['--listen', '127.0.0.1:0', '--config', config, '--dedupe', 'local', '-o', out, '--ca-dir', join(dir, 'ca'), '--insecure', '--dns-server', dns.server, '--quiet']);
    let run: BrowserCrawlResult;
    try {
      const banner = await proxy.banner;
      const url = `http://crawler:${encodeURIComponent('s3cret:pass')}@${new URL(banner.url).host}`;
      run = await browserCrawl(dir, { pagesPerOrigin: 10, proxy: true, external: { url, spki: banner.spki } });
    } finally {
      proxy.child.kill('SIGINT');
      await dns.stop();
    }
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    expect(run.failed).toEqual([]);
    const files = readdirSync(out).map((f) => join(out, f));
    expect(files.filter((f) => f.endsWith('.open'))).toEqual([]);
    const answers = files.flatMap((f) => warcioRead(f)).filter((r) => r.type === 'response' || r.type === 'revisit');
    expect(countBy(answers, (r) => r.targetUri!)).toEqual(countBy(run.served, (s) => s.url));
    const revisits = answers.filter((r) => r.type === 'revisit').length;
    expect(revisits).toBeGreaterThan(20);
    expect(proxy.out()).toMatch(new RegExp(`^exchanges: ${answers.length} recorded \\(${revisits} as revisits\\), \\d+ failed$`, 'm'));
    expect(proxy.out()).toContain(`files: ${files.length}\n`);
    expect((await runCli(['check', ...files])).code).toBe(0);
  }, 120_000);
});
