/**
 * A local site for crawler tests and the bench: a raw HTTP/1.1 server (keep-alive)
 * that writes every response as exact bytes and logs, per request, the bytes it
 * received and the bytes it sent (for a cut or stopped response, exactly the
 * prefix that went out). Pages:
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
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface SiteRequest {
  /** Order of arrival (0, 1, …). */
  n: number;
  connection: number;
  /** The address the connection came from (a proxy's, when proxied). */
  peer: string;
  method: string;
  path: string;
  /** The request bytes as received (head and body). */
  received: Buffer;
  /** The response bytes written to the socket so far (all of them once `done`). */
  sent(): Buffer;
  /** Their count. */
  sentBytes: number;
  /** The whole response was written (false for /slow, /reset and a /big.bin the client stopped). */
  done: boolean;
}

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

function head(status: string, headers: Array<[string, string | number]>): Buffer {
  return Buffer.from(`HTTP/1.1 ${status}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, 'latin1');
}

function page(title: string, links: string[]): Buffer {
  const items = links.map((l) => `<li><a href="${l}">${l}</a></li>`).join('\n');
  return Buffer.from(`<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><ul>\n${items}\n</ul><p>${'lorem ipsum '.repeat(40)}</p></body></html>`);
}

function htmlResponse(body: Buffer, status = '200 OK', coding?: 'gzip' | 'br'): Buffer {
  const encoded = coding === 'gzip' ? zlib.gzipSync(body) : coding === 'br' ? zlib.brotliCompressSync(body) : body;
  const headers: Array<[string, string | number]> = [['Content-Type', 'text/html; charset=utf-8']];
  if (coding) headers.push(['Content-Encoding', coding]);
  headers.push(['Content-Length', encoded.length]);
  return Buffer.concat([head(status, headers), encoded]);
}

function chunkedResponse(body: Buffer): Buffer {
  const parts: Buffer[] = [head('200 OK', [['Content-Type', 'text/html; charset=utf-8'], ['Transfer-Encoding', 'chunked']])];
  for (let i = 0; i < body.length; i += 300) {
    const piece = body.subarray(i, i + 300);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function redirect(status: string, location: string): Buffer {
  const body = Buffer.from(`moved to ${location}`);
  return Buffer.concat([head(status, [['Location', location], ['Content-Type', 'text/plain'], ['Content-Length', body.length]]), body]);
}

export async function startCrawlSite(options: CrawlSiteOptions = {}): Promise<CrawlSite> {
  const pages = options.pages ?? 210;
  const bigBytes = options.bigBytes ?? 50 * 1024 * 1024;
  const stallMs = options.stallMs ?? 5000;
  const log: SiteRequest[] = [];
  const sockets = new Set<net.Socket>();
  const parts = new Map<SiteRequest, Buffer[]>();
  let connections = 0;

  const indexLinks = [
    ...Array.from({ length: pages }, (_, i) => `/p/${i}`),
    '/r/1',
    '/missing',
    '/error',
    '/slow',
    '/reset',
    '/big.bin',
  ];

  /** Answers one request; calls `next` when the socket may take the next one. */
  function answer(socket: net.Socket, entry: SiteRequest, next: () => void): void {
    const write = (bytes: Buffer): boolean => {
      parts.get(entry)!.push(bytes);
      entry.sentBytes += bytes.length;
      return socket.write(bytes);
    };
    const whole = (bytes: Buffer): void => {
      write(bytes);
      entry.done = true;
      next();
    };
    const path = entry.path;
    const n = /^\/p\/(\d+)$/.exec(path);
    if (path === '/') return whole(htmlResponse(page('index', indexLinks)));
    if (n) {
      const i = Number(n[1]);
      const body = page(`page ${i}`, [i + 1 < pages ? `/p/${i + 1}` : '/', '/']);
      if (i % 4 === 3) return whole(chunkedResponse(body));
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
        if (left === 0) {
          entry.done = true;
          next();
        }
      };
      return pump();
    }
    whole(htmlResponse(page('no such page', []), '404 Not Found'));
  }

  const server = net.createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let busy = false;
    const take = (): void => {
      if (busy) return;
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const received = buffered.subarray(0, end + 4 + length);
      buffered = buffered.subarray(end + 4 + length);
      const [method = '', target = ''] = text.split(' ');
      const written: Buffer[] = [];
      const entry: SiteRequest = { n: log.length, connection, peer: socket.remoteAddress ?? '', method, path: target, received, sent: () => Buffer.concat(written), sentBytes: 0, done: false };
      parts.set(entry, written);
      log.push(entry);
      busy = true;
      answer(socket, entry, () => {
        busy = false;
        take();
      });
    };
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      take();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    pages,
    log,
    bigSent: () => log.filter((e) => e.path === '/big.bin').reduce((sum, e) => sum + e.sentBytes, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
