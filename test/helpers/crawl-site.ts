/**
 * A local site for crawler tests and the bench, on the raw server of
 * raw-site.ts (exact bytes, each request's received and sent bytes logged). Pages:
 *
 *   /                 links to every /p/N, the redirect chain, the specials and /big.bin
 *   /p/N              HTML linking to /p/N+1 and /; N % 4: 0 plain, 1 gzip, 2 br, 3 chunked
 *   /r/1 → /r/2 → /r/end   301 then 302, then a page
 *   /missing          404
 *   /error            500, every time (a crawler retries it)
 *   /slow             head and part of the body, then silence for `stallMs`
 *   /reset            head and part of the body, then a TCP reset
 *   /big.bin          `bigBytes` of application/octet-stream, written as fast as the client reads
 */
import { head, redirect, response, startRawSite, type Reply, type SiteRequest } from './raw-site';

export type { SiteRequest } from './raw-site';

export interface CrawlSiteOptions {
  pages?: number;
  bigBytes?: number;
  stallMs?: number;
}

export interface CrawlSite {
  url: string;
  pages: number;
  log: SiteRequest[];
  /** Bytes written for /big.bin over all its requests. */
  bigSent(): number;
  close(): Promise<void>;
}

const BIG_CHUNK = 64 * 1024;

function page(title: string, links: string[]): Buffer {
  const items = links.map((l) => `<li><a href="${l}">${l}</a></li>`).join('\n');
  return Buffer.from(`<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><ul>\n${items}\n</ul><p>${'lorem ipsum '.repeat(40)}</p></body></html>`);
}

function htmlResponse(body: Buffer, status = '200 OK', coding?: 'gzip' | 'br'): Buffer {
  return response(body, { status, contentType: 'text/html; charset=utf-8', ...(coding ? { coding } : {}) });
}

export async function startCrawlSite(options: CrawlSiteOptions = {}): Promise<CrawlSite> {
  const pages = options.pages ?? 210;
  const bigBytes = options.bigBytes ?? 50 * 1024 * 1024;
  const stallMs = options.stallMs ?? 5000;

  const indexLinks = [
    ...Array.from({ length: pages }, (_, i) => `/p/${i}`),
    '/r/1',
    '/missing',
    '/error',
    '/slow',
    '/reset',
    '/big.bin',
  ];

  function answer(entry: SiteRequest, { socket, write, whole, finish }: Reply): void {
    const path = entry.path;
    const n = /^\/p\/(\d+)$/.exec(path);
    if (path === '/') return whole(htmlResponse(page('index', indexLinks)));
    if (n) {
      const i = Number(n[1]);
      const body = page(`page ${i}`, [i + 1 < pages ? `/p/${i + 1}` : '/', '/']);
      if (i % 4 === 3) return whole(response(body, { contentType: 'text/html; charset=utf-8', chunked: true }));
      return whole(htmlResponse(body, '200 OK', i % 4 === 1 ? 'gzip' : i % 4 === 2 ? 'br' : undefined));
    }
    if (path === '/r/1') return whole(redirect('301 Moved Permanently', '/r/2'));
    if (path === '/r/2') return whole(redirect('302 Found', '/r/end'));
    if (path === '/r/end') return whole(htmlResponse(page('end of the redirects', ['/'])));
    if (path === '/missing') return whole(htmlResponse(page('not found', []), '404 Not Found'));
    if (path === '/error') return whole(htmlResponse(page('server error', []), '500 Internal Server Error'));
    if (path === '/slow' || path === '/reset') {
      const body = page(path, ['/']);
      const full = htmlResponse(body);
      write(full.subarray(0, full.length - body.length + 100));
      // Both leave the connection unusable: no next request on it.
      const timer = setTimeout(() => (path === '/reset' ? socket.resetAndDestroy() : socket.destroy()), path === '/reset' ? 150 : stallMs);
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    if (path === '/big.bin') {
      write(head('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', bigBytes]]));
      const chunk = Buffer.alloc(BIG_CHUNK, 0x5a);
      let left = bigBytes;
      const pump = (): void => {
        while (left > 0 && !socket.destroyed) {
          const piece = chunk.subarray(0, Math.min(BIG_CHUNK, left));
          left -= piece.length;
          if (!write(piece)) return void socket.once('drain', pump);
        }
        if (left === 0) finish();
      };
      return pump();
    }
    whole(htmlResponse(page('no such page', []), '404 Not Found'));
  }

  const site = await startRawSite(answer);
  return {
    url: `http://127.0.0.1:${site.port}`,
    pages,
    log: site.log,
    bigSent: () => site.log.filter((e) => e.path === '/big.bin').reduce((sum, e) => sum + e.sentBytes, 0),
    close: site.close,
  };
}
