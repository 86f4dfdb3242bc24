import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { testCertificate } from './tls-cert';

export interface SeenRequest {
  method: string;
  url: string;
  host: string | undefined;
  remoteAddress: string | undefined;
  proxyAuthorization: string | undefined;
}

export interface Origin {
  port: number;
  /** Every request served, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A real node:http or node:https server on loopback that answers every request
 * with `hello <method> <url>` and remembers what it saw.
 */
export async function startOrigin(options: { tls?: boolean; host?: string } = {}): Promise<Origin> {
  const seen: SeenRequest[] = [];
  const handler: http.RequestListener = (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host,
      remoteAddress: req.socket.remoteAddress,
      proxyAuthorization: req.headers['proxy-authorization'],
    });
    const body = `hello ${req.method} ${req.url}`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server: http.Server = options.tls ? https.createServer({ ...testCertificate() }, handler) : http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends one HTTP/1.1 request over an already open socket and returns the status and body. */
export function requestOverSocket(
  socket: net.Socket,
  options: { host: string; path?: string; method?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      createConnection: () => socket,
      setHost: false,
      path: options.path ?? '/',
      method: options.method ?? 'GET',
      headers: { host: options.host, connection: 'close' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.end();
  });
}
