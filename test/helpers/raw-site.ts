/**
 * The core of the local test sites (crawl-site.ts, browser-site.ts): a raw
 * HTTP/1.1 server on loopback, plain or TLS, keep-alive, one request at a time
 * per connection (pipelined requests wait their turn), that writes every
 * response as exact bytes and logs, per request, the bytes it received and the
 * bytes it sent (for a cut or stopped response, exactly the prefix that went out).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './tls-cert';

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
  /** The whole response was written. */
  done: boolean;
}

/** How an answer writes: `write` a part, `whole` the complete response, `finish` after the last part. */
export interface Reply {
  socket: net.Socket;
  write(bytes: Buffer): boolean;
  whole(bytes: Buffer): void;
  finish(): void;
}

export type Answer = (entry: SiteRequest, reply: Reply) => void;

export interface RawSite {
  port: number;
  log: SiteRequest[];
  close(): Promise<void>;
}

export function head(status: string, headers: Array<[string, string | number]>): Buffer {
  return Buffer.from(`HTTP/1.1 ${status}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, 'latin1');
}

export interface ResponseShape {
  status?: string;
  contentType: string;
  /** Encodes the body and says so in Content-Encoding. */
  coding?: 'gzip' | 'br';
  /** Transfer-Encoding: chunked, in 300-byte chunks, instead of Content-Length. */
  chunked?: boolean;
  headers?: Array<[string, string | number]>;
}

/** One complete response's bytes. */
export function response(body: Buffer, shape: ResponseShape): Buffer {
  const encoded = shape.coding === 'gzip' ? zlib.gzipSync(body) : shape.coding === 'br' ? zlib.brotliCompressSync(body) : body;
  const headers: Array<[string, string | number]> = [['Content-Type', shape.contentType]];
  if (shape.coding) headers.push(['Content-Encoding', shape.coding]);
  headers.push(...(shape.headers ?? []));
  if (!shape.chunked) return Buffer.concat([head(shape.status ?? '200 OK', [...headers, ['Content-Length', encoded.length]]), encoded]);
  const parts: Buffer[] = [head(shape.status ?? '200 OK', [...headers, ['Transfer-Encoding', 'chunked']])];
  for (let i = 0; i < encoded.length; i += 300) {
    const piece = encoded.subarray(i, i + 300);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export function redirect(status: string, location: string): Buffer {
  return response(Buffer.from(`moved to ${location}`), { status, contentType: 'text/plain', headers: [['Location', location]] });
}

/** Serves `answer` on 127.0.0.1 (TLS with `certificate`, offering ALPN http/1.1 only). */
export async function startRawSite(answer: Answer, certificate?: TestCertificate): Promise<RawSite> {
  const log: SiteRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const serve = (socket: net.Socket): void => {
    const connection = connections++;
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
      log.push(entry);
      busy = true;
      const finish = (): void => {
        entry.done = true;
        busy = false;
        take();
      };
      const write = (bytes: Buffer): boolean => {
        written.push(bytes);
        entry.sentBytes += bytes.length;
        return socket.write(bytes);
      };
      answer(entry, { socket, write, finish, whole: (bytes) => (write(bytes), finish()) });
    };
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      take();
    });
  };

  const server = certificate ? tls.createServer({ ...certificate, ALPNProtocols: ['http/1.1'] }, serve) : net.createServer(serve);
  // The raw TCP sockets, so that close() ends TLS connections mid-handshake too.
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
