/**
 * A multi-origin https site for browser crawls through the recording proxy:
 * three origins (a.test, b.test, c.test on raw-site.ts TLS servers), each with
 * `pagesPerOrigin` linked pages that share one stylesheet, script and image
 * (the same bytes on every origin, so dedupe matters), cross-origin links, a
 * redirect chain (301 → 302 → page), a 404, a 500 that heals on its second
 * request and a page of 100 subresources on a.test. Each request is logged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DnsOptions } from '../../src/net/dns-types';
import { png } from './browser-site';
import { redirect, response, startRawSite, type RawSite, type SiteRequest } from './raw-site';
import { testCertificate } from './tls-cert';

export const CRAWL_HOSTS = ['a.test', 'b.test', 'c.test'];
const HTML = 'text/html; charset=utf-8';
const SHARED_CSS = Buffer.from(`body { font-family: sans-serif; }\n${'/* shared stylesheet padding */\n'.repeat(120)}`);
const SHARED_JS = Buffer.from(`window.shared = true;\n${'// shared script padding\n'.repeat(150)}`);
const SHARED_PNG = png(48, 7);
export const MANY_RESOURCES = 100;

export interface CrawlOrigins {
  /** https://a.test:P, https://b.test:Q, https://c.test:R */
  origins: string[];
  pagesPerOrigin: number;
  /** Every request answered, its absolute URL (Host as sent) and the log entry. */
  served: Array<{ url: string; request: SiteRequest }>;
  /** Every page URL a complete crawl from origins[0]/p/0 handles (redirect targets, the 404 and the healed 500 included). */
  pages: string[];
  close(): Promise<void>;
}

function html(title: string, body: string): Buffer {
  return Buffer.from(
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>` +
      `<link rel="stylesheet" href="/s/site.css"><script src="/s/app.js"></script></head><body><h1>${title}</h1><img src="/s/logo.png" alt="">${body}</body></html>`,
  );
}

/** DNS for the proxy's dialer: the three names from a hosts file in `dir`, anything else to a closed port (never the internet). */
export function crawlDns(dir: string): DnsOptions {
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, `127.0.0.1 ${CRAWL_HOSTS.join(' ')}\n`);
  return { hostsFile, servers: ['127.0.0.1:9'], timeout: 200 };
}

/** `byIp`: the origins named https://127.0.0.1:PORT (for a crawl whose proxy resolves names itself, as Crawlee's own local proxy does). */
export async function startCrawlOrigins(pagesPerOrigin: number, byIp = false): Promise<CrawlOrigins> {
  const certificate = testCertificate();
  const served: CrawlOrigins['served'] = [];
  const origins: string[] = [];
  const healed = new Set<string>();
  const answer = (index: number, request: SiteRequest): Buffer => {
    const origin = origins[index];
    const path = request.path;
    const page = /^\/p\/(\d+)$/.exec(path);
    if (page) {
      const n = Number(page[1]);
      const next = (o: number, k: number): string => `${origins[o]}/p/${k}`;
      const links = [n + 1 < pagesPerOrigin ? `/p/${n + 1}` : undefined, n + 2 < pagesPerOrigin ? `/p/${n + 2}` : undefined, next((index + 1) % 3, n % pagesPerOrigin)]
        .filter((l): l is string => l !== undefined)
        .map((l) => `<a href="${l}">${l}</a>`);
      if (n === 0) links.push('<a href="/r/1">redirect</a>', '<a href="/missing">missing</a>', '<a href="/flaky">flaky</a>');
      if (n === 0 && index === 0) links.push('<a href="/many">many</a>');
      return response(html(`${origin} page ${n}`, links.join(' ')), { contentType: HTML });
    }
    if (path === '/r/1') return redirect('301 Moved Permanently', '/r/2');
    if (path === '/r/2') return redirect('302 Found', '/p/0?via=redirect');
    if (path === '/p/0?via=redirect') return response(html(`${origin} redirected`, ''), { contentType: HTML });
    if (path === '/flaky') {
      if (healed.has(origin)) return response(html(`${origin} flaky healed`, ''), { contentType: HTML });
      healed.add(origin);
      return response(Buffer.from('try again'), { status: '500 Internal Server Error', contentType: 'text/plain' });
    }
    if (path === '/many' && index === 0) {
      const tags = Array.from({ length: MANY_RESOURCES }, (_, i) => `<img src="/m/${i}.png" width="8" height="8" alt="">`);
      return response(html('many', tags.join('')), { contentType: HTML });
    }
    const many = /^\/m\/(\d+)\.png$/.exec(path);
    if (many && index === 0) return response(png(8, Number(many[1])), { contentType: 'image/png' });
    if (path === '/s/site.css') return response(SHARED_CSS, { contentType: 'text/css' });
    if (path === '/s/app.js') return response(SHARED_JS, { contentType: 'text/javascript' });
    if (path === '/s/logo.png') return response(SHARED_PNG, { contentType: 'image/png' });
    return response(Buffer.from('<!doctype html><title>not found</title>not found'), { status: '404 Not Found', contentType: HTML });
  };
  const sites: RawSite[] = [];
  for (let i = 0; i < CRAWL_HOSTS.length; i++) {
    const index = i;
    const site = await startRawSite((request, reply) => {
      const host = /\r\nhost:\s*([^\r]+)/i.exec(request.received.toString('latin1'))?.[1] ?? '';
      served.push({ url: `https://${host}${request.path}`, request });
      reply.whole(answer(index, request));
    }, certificate);
    sites.push(site);
    origins.push(`https://${byIp ? '127.0.0.1' : CRAWL_HOSTS[i]}:${site.port}`);
  }
  const pages = origins.flatMap((origin, i) => [
    ...Array.from({ length: pagesPerOrigin }, (_, n) => `${origin}/p/${n}`),
    `${origin}/p/0?via=redirect`,
    `${origin}/missing`,
    `${origin}/flaky`,
    ...(i === 0 ? [`${origin}/many`] : []),
  ]);
  return { origins, pagesPerOrigin, served, pages, close: async () => void (await Promise.all(sites.map((s) => s.close()))) };
}
