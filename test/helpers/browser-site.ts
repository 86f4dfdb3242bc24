/**
 * A local https site for real-browser tests and the bench: two origins on the
 * raw TLS server of raw-site.ts (exact bytes, each request's received and sent
 * bytes logged), with host names that resolve to 127.0.0.1 only where the test
 * says so (Chromium's --host-resolver-rules when direct, a hosts file for the
 * recording proxy's dialer). Both serve the test certificate of tls-cert.ts.
 *
 * https://site.test:P
 *   /start            302 → /page.html
 *   /page.html        HTML: a stylesheet, a script, a PNG, an SVG, the iframe of the frame origin
 *   /style.css        gzip-encoded; @font-face of /font.ttf (a TrueType font from fonts-dejavu-core)
 *   /app.js           fetch()es /data.json and writes it into the page
 *   /data.json        chunked
 *   /logo.png, /shape.svg, /font.ttf
 *   /c/N              `crawlPages` linked pages (N → N+1, N+2 and /c/0), each with /c/style.css
 *   /bench.html       a page of 50 subresources under /b/ (PNG, SVG, CSS, JS), all no-store
 * https://frame.test:Q
 *   /frame.html       gzip-encoded and chunked; shows /dot.svg
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import type { DnsOptions } from '../../src/net/dns-types';
import { redirect, response, startRawSite, type RawSite, type Reply, type SiteRequest } from './raw-site';
import { testCertificate, type TestCertificate } from './tls-cert';

/** The font the page loads as a web font; the package is listed in .ci/apt/browser.txt. */
export const FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

export const SITE_HOST = 'site.test';
export const FRAME_HOST = 'frame.test';

/** One request either origin answered, with its absolute URL. */
export interface ServedRequest {
  url: string;
  request: SiteRequest;
}

export interface BrowserSite {
  /** https://site.test:P */
  origin: string;
  /** https://frame.test:Q */
  frameOrigin: string;
  /** The first origin by IP literal, https://127.0.0.1:P (for clients that resolve names themselves; the certificate covers it). */
  ipOrigin: string;
  certificate: TestCertificate;
  crawlPages: number;
  /** Subresources of /bench.html. */
  benchResources: number;
  /** Every request both origins answered, in order of arrival. */
  served: ServedRequest[];
  /** Chromium's --host-resolver-rules value that sends both names to 127.0.0.1. */
  hostResolverRules: string;
  close(): Promise<void>;
}

export interface BrowserSiteOptions {
  crawlPages?: number;
}

const BENCH_KINDS = [
  { count: 20, name: (i: number) => `/b/img-${i}.png` },
  { count: 10, name: (i: number) => `/b/shape-${i}.svg` },
  { count: 10, name: (i: number) => `/b/style-${i}.css` },
  { count: 10, name: (i: number) => `/b/script-${i}.js` },
];
const BENCH_PATHS = BENCH_KINDS.flatMap(({ count, name }) => Array.from({ length: count }, (_, i) => name(i)));
const NO_STORE: Array<[string, string]> = [['Cache-Control', 'no-store']];

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A `size`×`size` RGB PNG: a gradient tinted by `seed`. */
export function png(size: number, seed: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then pixels
    for (let x = 0; x < size; x++) row.set([(x * 4 + seed * 37) & 0xff, (y * 4) & 0xff, (seed * 91 + x + y) & 0xff], 1 + x * 3);
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), pngChunk('IEND', Buffer.alloc(0))]);
}

function svg(color: string, label: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="28" fill="${color}"/><text x="32" y="38" font-size="14" text-anchor="middle" fill="#fff">${label}</text></svg>`);
}

function html(body: string, head = ''): Buffer {
  // The data: icon keeps Chromium from asking for /favicon.ico, which no page event reports.
  return Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head><body>${body}</body></html>`);
}

const HTML = 'text/html; charset=utf-8';

/**
 * DNS settings for a recording proxy's dialer (`client.dialer.dns`) that
 * resolve both names to 127.0.0.1 from a hosts file written into `dir` and
 * send every other lookup to a closed port of 127.0.0.1: whatever a browser
 * asks for, the proxy never reaches a real DNS server or the internet.
 */
export function offlineDns(dir: string): DnsOptions {
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, `127.0.0.1 ${SITE_HOST} ${FRAME_HOST}\n`);
  return { hostsFile, servers: ['127.0.0.1:9'], timeout: 200 };
}

export async function startBrowserSite(options: BrowserSiteOptions = {}): Promise<BrowserSite> {
  const crawlPages = options.crawlPages ?? 32;
  const certificate = testCertificate();
  const font = readFileSync(FONT_FILE);
  const served: ServedRequest[] = [];
  /** Known once the frame origin listens (before any page is asked for). */
  let frameOrigin = '';

  const crawlPage = (i: number): Buffer => {
    const links = [i + 1, i + 2, 0].filter((n) => n < crawlPages).map((n) => `<li><a href="/c/${n}">page ${n}</a></li>`);
    return html(`<h1>crawl page ${i}</h1><ul>${links.join('')}</ul>`, `<title>crawl page ${i}</title><link rel="stylesheet" href="/c/style.css">`);
  };

  const siteFiles = new Map<string, () => Buffer>([
    ['/start', () => redirect('302 Found', '/page.html')],
    [
      '/page.html',
      () =>
        response(
          html(
            `<h1>Recorded by warcwire</h1><p id="data">waiting for data</p><img src="/logo.png" width="64" height="64" alt="logo"> <img src="/shape.svg" width="64" height="64" alt="shape">` +
              `<iframe src="${frameOrigin}/frame.html" width="320" height="120" title="frame"></iframe>`,
            '<title>warcwire browser test</title><link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script>',
          ),
          { contentType: HTML },
        ),
    ],
    [
      '/style.css',
      () =>
        response(
          Buffer.from(
            "@font-face { font-family: 'TestFont'; src: url('/font.ttf') format('truetype'); }\n" +
              "h1 { font-family: 'TestFont', serif; color: #234; }\nbody { background: #f4f1ea; font-family: sans-serif; margin: 16px; }\niframe { border: 2px solid #567; display: block; margin-top: 8px; }\n",
          ),
          { contentType: 'text/css', coding: 'gzip' },
        ),
    ],
    [
      '/app.js',
      () =>
        response(
          Buffer.from(
            "fetch('/data.json').then((r) => r.json()).then((d) => { document.getElementById('data').textContent = d.items.join(', '); document.body.dataset.ready = 'yes'; });\n",
          ),
          { contentType: 'text/javascript' },
        ),
    ],
    [
      '/data.json',
      () => response(Buffer.from(JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => `item ${i}`) })), { contentType: 'application/json', chunked: true }),
    ],
    ['/logo.png', () => response(png(64, 1), { contentType: 'image/png' })],
    ['/shape.svg', () => response(svg('#a33', 'svg'), { contentType: 'image/svg+xml' })],
    ['/font.ttf', () => response(font, { contentType: 'font/ttf' })],
    ['/c/style.css', () => response(Buffer.from('body { font-family: sans-serif; } h1 { color: #345; }\n'), { contentType: 'text/css' })],
    [
      '/bench.html',
      () => {
        const tags = BENCH_PATHS.map((p) =>
          p.endsWith('.css') ? `<link rel="stylesheet" href="${p}">` : p.endsWith('.js') ? `<script src="${p}"></script>` : `<img src="${p}" width="32" height="32" alt="">`,
        );
        return response(html(`<h1>bench</h1>${tags.join('\n')}`, '<title>bench</title>'), { contentType: HTML, headers: NO_STORE });
      },
    ],
  ]);
  BENCH_PATHS.forEach((p, i) => {
    const body = p.endsWith('.png')
      ? { bytes: png(32, i), type: 'image/png' }
      : p.endsWith('.svg')
        ? { bytes: svg(`#${(0x223344 + i * 0x0a0b0c).toString(16).slice(-6)}`, String(i)), type: 'image/svg+xml' }
        : p.endsWith('.css')
          ? { bytes: Buffer.from(`.b${i} { margin: ${i}px; }\n${'/* padding */\n'.repeat(100)}`), type: 'text/css' }
          : { bytes: Buffer.from(`window.b${i} = ${i};\n${'// padding\n'.repeat(150)}`), type: 'text/javascript' };
    siteFiles.set(p, () => response(body.bytes, { contentType: body.type, headers: NO_STORE }));
  });
  for (let i = 0; i < crawlPages; i++) siteFiles.set(`/c/${i}`, () => response(crawlPage(i), { contentType: HTML }));

  const frameFiles = new Map<string, () => Buffer>([
    ['/frame.html', () => response(html('<p>Inside the frame of a second origin</p><img src="/dot.svg" width="64" height="64" alt="dot">'), { contentType: HTML, coding: 'gzip', chunked: true })],
    ['/dot.svg', () => response(svg('#36a', 'dot'), { contentType: 'image/svg+xml' })],
  ]);

  const notFound = (): Buffer => response(html('<p>not found</p>'), { status: '404 Not Found', contentType: HTML });
  const answerFrom =
    (files: Map<string, () => Buffer>) =>
    (request: SiteRequest, reply: Reply): void => {
      // The URL as the client named the origin: its Host header (a name or the IP literal).
      const host = /\r\nhost:\s*([^\r]+)/i.exec(request.received.toString('latin1'))?.[1] ?? '';
      served.push({ url: `https://${host}${request.path}`, request });
      reply.whole((files.get(request.path) ?? notFound)());
    };
  const site: RawSite = await startRawSite(answerFrom(siteFiles), certificate);
  const frame: RawSite = await startRawSite(answerFrom(frameFiles), certificate);
  frameOrigin = `https://${FRAME_HOST}:${frame.port}`;
  return {
    origin: `https://${SITE_HOST}:${site.port}`,
    frameOrigin,
    ipOrigin: `https://127.0.0.1:${site.port}`,
    certificate,
    crawlPages,
    benchResources: BENCH_PATHS.length,
    served,
    hostResolverRules: `MAP ${SITE_HOST} 127.0.0.1, MAP ${FRAME_HOST} 127.0.0.1`,
    close: async () => {
      await Promise.all([site.close(), frame.close()]);
    },
  };
}
