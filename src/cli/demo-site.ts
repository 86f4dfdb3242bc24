/**
 * The built-in site `warcwire demo` captures: a few HTML pages, a chunked
 * response, a gzip-encoded one, a redirect, a large binary and two URLs with
 * identical payloads, served on loopback over http and https (a certificate
 * generated at start with the openssl command-line tool).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WarcwireError } from '../errors';

export const DEMO_PATHS = ['/', '/page/1', '/page/2', '/chunked', '/gzip', '/redirect', '/large.bin', '/same/a', '/same/b'] as const;
export const LARGE_BYTES = 8 * 1024 * 1024;

export interface DemoSite {
  httpOrigin: string;
  httpsOrigin: string;
  /** PEM of the generated certificate: trust it as the CA to verify the https origin. */
  certificate: string;
  close(): Promise<void>;
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n${body}\n</body></html>\n`;
}

const INDEX = page(
  'warcwire demo',
  `<ul>${DEMO_PATHS.slice(1).map((p) => `<li><a href="${p}">${p}</a></li>`).join('')}</ul>`,
);
const SAME = Buffer.from('The same payload at two URLs: a deduplicating archive stores it once.\n'.repeat(64));

/** Deterministic bytes, so two runs capture the same payload. */
function largeChunk(offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = ((offset + i) * 2654435761) >>> 24;
  return b;
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/':
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(INDEX);
      return;
    case '/page/1':
    case '/page/2':
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page(`Page ${path.slice(-1)}`, `<p>A plain page.</p><p><a href="/">home</a></p>`));
      return;
    case '/chunked': {
      res.setHeader('content-type', 'text/plain');
      let n = 0;
      const more = (): void => {
        if (n++ < 5) {
          res.write(`chunk ${n} of a response sent in pieces\n`);
          setImmediate(more);
        } else res.end();
      };
      more();
      return;
    }
    case '/gzip':
      res.setHeader('content-type', 'text/plain');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(Buffer.from('This body travels gzip-encoded; the WARC keeps it encoded.\n'.repeat(50))));
      return;
    case '/redirect':
      res.statusCode = 302;
      res.setHeader('location', '/page/1');
      res.end();
      return;
    case '/large.bin': {
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('content-length', String(LARGE_BYTES));
      let off = 0;
      const pump = (): void => {
        while (off < LARGE_BYTES) {
          const len = Math.min(256 * 1024, LARGE_BYTES - off);
          const ok = res.write(largeChunk(off, len));
          off += len;
          if (!ok) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    case '/same/a':
    case '/same/b':
      res.setHeader('content-type', 'text/plain');
      res.end(SAME);
      return;
    default:
      res.statusCode = 404;
      res.end('not found\n');
  }
}

function generateCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-demo-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch (err) {
    throw new WarcwireError('ERR_DEMO_CERTIFICATE', 'could not generate the demo certificate with `openssl` (install the openssl package)', { cause: err });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: http.Server): Promise<{ origin: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    origin: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function startDemoSite(): Promise<DemoSite> {
  const { key, cert } = generateCertificate();
  const plain = await listen(http.createServer(handler));
  const secure = await listen(https.createServer({ key, cert }, handler));
  return {
    httpOrigin: `http://127.0.0.1:${plain.origin}`,
    httpsOrigin: `https://127.0.0.1:${secure.origin}`,
    certificate: cert,
    close: async () => {
      await Promise.all([plain.close(), secure.close()]);
    },
  };
}
