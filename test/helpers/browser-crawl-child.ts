/**
 * A Crawlee PlaywrightCrawler (Debian's Chromium through playwright-core) over
 * the crawl-origins site through a recording proxy, in its own process.
 * argv: dir optionsJson. Prints the crawl's facts as JSON on the last line.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Configuration, ProxyConfiguration } from '@crawlee/core';
import { PlaywrightCrawler } from '@crawlee/playwright';
import { chromium } from 'playwright-core';
import { createDedupeIndex } from '../../src/dedupe';
import { createRecordingProxy, type RecordingProxyStats } from '../../src/record-proxy';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, spkiSha256 } from './chromium';
import { crawlDns, startCrawlOrigins } from './crawl-origins';
import { testCertificate } from './tls-cert';

export interface BrowserCrawlOptions {
  pagesPerOrigin: number;
  /** false: the same crawl straight to the origins (Chromium told to trust the site's test certificate). */
  proxy: boolean;
  /** Stop (crawler.teardown()) after this many pages were handled. */
  stopAfter?: number;
  concurrency?: number;
  /** A proxy already running (the CLI's): its URL with credentials and its CA's SPKI hash; `proxy` is then ignored. */
  external?: { url: string; spki: string };
}

/** This process's open file descriptors by kind (socket, pipe, file, …). */
function openFds(): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    const kind = /^(\w+):/.exec(target)?.[1] ?? 'file';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

const log = (fields: Record<string, unknown>, message: string): void => console.error(`LOG ${message} ${JSON.stringify(fields)}`);

/** What the crawl prints. */
export interface BrowserCrawlResult {
  /** Pages the request handler got, with the retry they came on. */
  handled: Array<{ url: string; loadedUrl: string; status: number | undefined; retry: number }>;
  /** Requests Crawlee gave up on. */
  failed: string[];
  seconds: number;
  proxyStats: RecordingProxyStats | undefined;
  /** This process's RSS (bytes) before and after the crawl. */
  rss: { before: number; after: number };
  /** Open descriptors by kind: once the proxy listens, right after the crawl, 5 s later (idle kept-alive connections gone). */
  fds: { before: Record<string, number>; after: Record<string, number>; later: Record<string, number> };
  /** The WARC files as left on disk. */
  files: string[];
  /** Every request the origins answered: URL and status. */
  served: Array<{ url: string; status: number }>;
  /** Every page a complete crawl handles. */
  pages: string[];
}

async function main(dir: string, options: BrowserCrawlOptions): Promise<void> {
  // Without a proxy of ours Crawlee still puts a local proxy of its own (proxy-chain) before Chromium, which resolves names with the system's DNS: the origins go by IP then.
  const site = await startCrawlOrigins(options.pagesPerOrigin, !options.proxy);
  const auth = { users: [{ username: 'crawler', password: 's3cret:pass' }] };
  const proxy = options.proxy && !options.external
    ? await createRecordingProxy({
        listen: '127.0.0.1:0',
        ca: { dir: join(dir, 'ca') },
        auth,
        ...(process.env.CRAWL_LOG ? { logger: { debug: () => {}, info: log, warn: log, error: log } } : {}),
        client: {
          writer: { directory: join(dir, 'warcs'), prefix: 'CRAWL' },
          dialer: { dns: crawlDns(dir) },
          tls: { verify: false },
          dedupe: createDedupeIndex({ local: true }),
        },
      })
    : undefined;
  const proxyUrl = options.external?.url ?? (proxy ? `http://crawler:${encodeURIComponent('s3cret:pass')}@${new URL(proxy.url).host}` : undefined);
  const spki = options.external?.spki ?? proxy?.ca.spkiSha256 ?? spkiSha256(testCertificate().cert);
  const rss0 = process.memoryUsage().rss;
  const fds0 = openFds();
  const handled: BrowserCrawlResult['handled'] = [];
  const failed: string[] = [];
  const config = new Configuration({ persistStorage: false, storageClientOptions: { localDataDirectory: join(dir, 'storage') }, purgeOnStart: true });
  const resolver = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1';
  const crawler: PlaywrightCrawler = new PlaywrightCrawler(
    {
      maxConcurrency: options.concurrency ?? 10,
      maxRequestRetries: 2,
      navigationTimeoutSecs: 30,
      requestHandlerTimeoutSecs: 60,
      ...(proxyUrl ? { proxyConfiguration: new ProxyConfiguration({ proxyUrls: [proxyUrl] }) } : {}),
      launchContext: {
        launcher: chromium,
        useIncognitoPages: false,
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: [...CHROMIUM_FLAGS, resolver, `--ignore-certificate-errors-spki-list=${spki}`],
        },
      },
      browserPoolOptions: { useFingerprints: false },
      preNavigationHooks: [
        async ({ page, request }) => {
          const host = new URL(request.url).hostname;
          await page.setExtraHTTPHeaders({ 'Warcwire-Meta': JSON.stringify({ warcPrefix: 'JOB-1', tags: [`origin:${host}`] }) });
        },
      ],
      async requestHandler({ request, response, enqueueLinks }) {
        if (response && response.status() >= 500) throw new Error(`${request.url} answered ${response.status()}`);
        handled.push({ url: request.url, loadedUrl: request.loadedUrl ?? '', status: response?.status(), retry: request.retryCount });
        if (options.stopAfter !== undefined && handled.length >= options.stopAfter) {
          void crawler.teardown();
          return;
        }
        await enqueueLinks({ strategy: 'all' });
      },
      failedRequestHandler({ request }) {
        failed.push(request.url);
      },
    },
    config,
  );
  const started = Date.now();
  await crawler.run([`${site.origins[0]}/p/0`]);
  const seconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const fds = openFds();
  await new Promise((r) => setTimeout(r, 5000));
  const fdsLater = openFds();
  const proxyStats = proxy?.stats();
  const rss = process.memoryUsage().rss;
  await proxy?.close();
  await site.close();
  const files = proxy ? readdirSync(join(dir, 'warcs')).map((f) => join(dir, 'warcs', f)) : [];
  const served = site.served.map((s) => ({ url: s.url, status: Number(s.request.sent().toString('latin1', 9, 12)) }));
  const result: BrowserCrawlResult = { handled, failed, seconds, proxyStats, rss: { before: rss0, after: rss }, fds: { before: fds0, after: fds, later: fdsLater }, files, served, pages: site.pages };
  console.log(JSON.stringify(result));
}

main(process.argv[2], JSON.parse(process.argv[3]) as BrowserCrawlOptions).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
