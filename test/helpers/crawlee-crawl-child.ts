/**
 * The crawl of test/helpers/crawlee-crawl.ts, in its own process:
 * argv: kind startUrl dir optionsJson. Prints the crawl's facts as the last line.
 */
import { join } from 'node:path';
import { CheerioCrawler } from '@crawlee/cheerio';
import { HttpCrawler } from '@crawlee/http';
import { Configuration, ProxyConfiguration } from '@crawlee/core';
import { WarcClient } from '../../src/client/warc-client';
import { WarcHttpClient } from '../../src/crawlee';
import type { CrawlOptions, CrawlRun, CrawlerKind } from './crawlee-crawl';

async function main(kind: CrawlerKind, startUrl: string, dir: string, options: CrawlOptions): Promise<void> {
  const storage = join(dir, 'storage');
  const warcs = join(dir, 'warcs');
  const warc = await WarcClient.create({ writer: { directory: warcs, prefix: 'CRAWLEE' } });
  const config = new Configuration({ persistStorage: false, storageClientOptions: { localDataDirectory: storage }, purgeOnStart: true });
  const handled: string[] = [];
  const proxies: CrawlRun['proxies'] = [];
  const common = {
    httpClient: new WarcHttpClient(warc),
    maxConcurrency: options.maxConcurrency ?? 8,
    maxRequestRetries: 1,
    navigationTimeoutSecs: options.navigationTimeoutSecs ?? 1,
    ...(options.proxyUrls ? { proxyConfiguration: new ProxyConfiguration({ proxyUrls: options.proxyUrls }) } : {}),
    preNavigationHooks: [
      ({ request, proxyInfo, session }: { request: { url: string }; proxyInfo?: { url: string }; session?: { id: string } }) => {
        proxies.push({ path: new URL(request.url).pathname, proxyUrl: proxyInfo?.url, session: session?.id });
      },
    ],
  };
  type Context = {
    request: { url: string; loadedUrl?: string };
    body: string | Buffer;
    enqueueLinks?: (o: { strategy: 'same-origin' }) => Promise<unknown>;
    addRequests: (urls: string[]) => Promise<unknown>;
  };
  const crawlerOptions = {
    ...common,
    requestHandler: async ({ request, body, enqueueLinks, addRequests }: Context) => {
      handled.push(request.url);
      // CheerioCrawler finds the links itself; HttpCrawler hands over the body only.
      if (kind === 'cheerio') return void (await enqueueLinks!({ strategy: 'same-origin' }));
      const base = request.loadedUrl ?? request.url;
      await addRequests([...String(body).matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!, base).href));
    },
  };
  const crawler = kind === 'cheerio' ? new CheerioCrawler(crawlerOptions, config) : new HttpCrawler(crawlerOptions, config);
  try {
    await crawler.run([startUrl]);
  } finally {
    await warc.close();
  }
  const { requestsFinished, requestsFailed, requestsRetries } = crawler.stats.state;
  process.stdout.write(`\n${JSON.stringify({ stats: { requestsFinished, requestsFailed, requestsRetries }, handled, proxies })}\n`);
}

const [kind, startUrl, dir, options] = process.argv.slice(2);
main(kind as CrawlerKind, startUrl!, dir!, JSON.parse(options!) as CrawlOptions).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
