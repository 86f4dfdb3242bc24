/**
 * Crawlee section. Crawlee 3's HttpCrawler crawls the local crawl site
 * (test/helpers/crawl-site.ts, in a child process so it does not share the
 * crawler's event loop): the index and its small HTML pages (plain, gzip, br
 * and chunked), following only those links, not the site's deliberate
 * failures. Same site, same fixed concurrency, one run; the contenders take
 * turns round after round (the order alternating) and each reports its median
 * pages/s: (a) WarcHttpClient recording with the native backend (the client's
 * default settings otherwise), (b) Crawlee's default client (got-scraping) not
 * recording, (c) as (a) with a HeaderGenerator: browser-like headers made once
 * per session, as got-scraping does and (a) does not. Target: (a) / (b) >= 0.8.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BaseHttpClient } from '@crawlee/core';
import { getBackend } from '../../src/backend';
import { WarcClient } from '../../src/client/warc-client';
import { WarcHttpClient } from '../../src/crawlee';
import { startCrawlSite } from '../../test/helpers/crawl-site';
import { alternatingRounds, rateRows } from '../stats';
import { metricOf, ratioOf, targetRow } from '../targets';
import type { BenchRow, BenchSection } from '../types';

const CONCURRENCY = 8;
/** Links the bench follows: the index and the /p/N pages (the site's other links are its failure cases). */
const PAGE_LINK = /href="(\/|\/p\/\d+)"/g;
const RECORDING = 'WarcHttpClient recording (native)';
const DEFAULT = 'Crawlee default client (got-scraping, not recording)';

/** What one crawl runs with: Crawlee's httpClient (undefined: its default) and, after the crawl, the pairs written (undefined: not recording). */
interface Setup {
  httpClient?: BaseHttpClient;
  finish(): Promise<number | undefined>;
}

interface Contender {
  label: string;
  open(dir: string): Promise<Setup>;
}

async function recorder(dir: string, options: ConstructorParameters<typeof WarcHttpClient>[1] = {}): Promise<Setup> {
  const warc = await WarcClient.create({ writer: { directory: dir }, backend: getBackend('native') });
  return {
    httpClient: new WarcHttpClient(warc, options),
    finish: async () => {
      await warc.close(); // every record on disk
      return warc.stats.written;
    },
  };
}

async function contenders(): Promise<Contender[]> {
  // header-generator: what got-scraping generates headers with (a dev dependency, as crawlee).
  const { HeaderGenerator } = await import('header-generator');
  return [
    { label: RECORDING, open: (dir) => recorder(dir) },
    { label: DEFAULT, open: async () => ({ finish: async () => undefined }) },
    { label: 'WarcHttpClient recording (native) + HeaderGenerator', open: (dir) => recorder(dir, { headerGenerator: new HeaderGenerator() }) },
  ];
}

/** The crawl site in a child process (this file run as a script); prints its URL. */
async function startSite(pages: number): Promise<{ url: string; child: ChildProcess }> {
  // stdin stays open while we live: the child exits when it closes, even if we crash.
  const child = spawn(process.execPath, [__filename, '--serve-site', String(pages)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`crawl site child exited with ${code}`)));
  });
  return { url, child };
}

/** One HttpCrawler run over the site's index and `pages` pages: its seconds, from start to every record on disk. */
async function crawl(contender: Contender, siteUrl: string, pages: number): Promise<number> {
  const { HttpCrawler } = await import('@crawlee/http');
  const { Configuration } = await import('@crawlee/core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-crawlee-'));
  try {
    const setup = await contender.open(path.join(dir, 'warcs'));
    const config = new Configuration({ persistStorage: false, storageClientOptions: { localDataDirectory: path.join(dir, 'storage') }, purgeOnStart: true });
    let handled = 0;
    const crawler = new HttpCrawler(
      {
        ...(setup.httpClient !== undefined ? { httpClient: setup.httpClient } : {}),
        // Fixed: the autoscaled pool would start at 1 and ramp up over seconds.
        minConcurrency: CONCURRENCY,
        maxConcurrency: CONCURRENCY,
        maxRequestRetries: 0,
        requestHandler: async ({ request, body, addRequests }) => {
          handled++;
          const base = request.loadedUrl ?? request.url;
          await addRequests([...String(body).matchAll(PAGE_LINK)].map((m) => new URL(m[1]!, base).href));
        },
      },
      config,
    );
    const start = process.hrtime.bigint();
    const stats = await crawler.run([`${siteUrl}/`]);
    const written = await setup.finish();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (stats.requestsFailed !== 0 || handled !== pages + 1) throw new Error(`${contender.label}: handled ${handled} of ${pages + 1} pages, ${stats.requestsFailed} failed`);
    if (written !== undefined && written !== handled) throw new Error(`${contender.label}: ${handled} pages but ${written} pairs written`);
    return seconds;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const run: BenchSection = async ({ quick }) => {
  const { log } = await import('@crawlee/core');
  log.setLevel(log.LEVELS.OFF);
  const pages = quick ? 300 : 1000;
  const rounds = quick ? 3 : 7;
  const site = await startSite(pages);
  const rows: BenchRow[] = [];
  try {
    const all = await contenders();
    // Warm-up: got-scraping is imported on first use and the JIT is cold; measure a running crawler.
    for (const contender of all) await crawl(contender, site.url, pages);
    const samples = await alternatingRounds(all, rounds, async (contender) => (pages + 1) / (await crawl(contender, site.url, pages)));
    const caseOf = (label: string) => `HttpCrawler ${label} (median of ${rounds}, ${pages + 1} pages x${CONCURRENCY})`;
    const labels = all.map((c) => c.label);
    rows.push(...rateRows('crawlee', labels, samples, { unit: 'pages/s', digits: 0, baseline: { label: DEFAULT, name: 'default' }, caseOf }));
    const pagesPerSecond = (label: string) => metricOf(rows, caseOf(label), 'pages/s');
    rows.push(targetRow('crawlee', 'HttpCrawler recording/default pages/s', ratioOf(pagesPerSecond(RECORDING), pagesPerSecond(DEFAULT)), '>=', 0.8));
  } finally {
    site.child.kill();
  }
  return rows;
};

if (require.main === module && process.argv.includes('--serve-site')) {
  process.stdin.on('end', () => process.exit(0)).resume();
  const pages = Number(process.argv[process.argv.indexOf('--serve-site') + 1]);
  void startCrawlSite({ pages }).then((site) => process.stdout.write(`${site.url}\n`));
}
