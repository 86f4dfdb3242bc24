/**
 * Real HTTP servers on 127.0.0.1 implementing the two remote dedupe APIs, plus a server
 * that accepts connections and never answers (a hung service).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ServiceHandle {
  url: string;
  /** Every request path+query received, in order. */
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<ServiceHandle & { server: http.Server }> {
  const requests: ServiceHandle['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface DoppelgangerRecord {
  id: string;
  uri: string;
  date: string;
}

/** `GET /api/records/{digest}?uri=…` → 200 JSON or 404, from `records` keyed by bare digest. */
export function startDoppelganger(records: Map<string, DoppelgangerRecord>, options: { status?: number; body?: string } = {}): Promise<ServiceHandle> {
  return serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/records\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || m === null || !url.searchParams.has('uri')) {
      res.writeHead(400).end('bad request');
      return;
    }
    if (options.status !== undefined) {
      res.writeHead(options.status, { 'content-type': 'application/json' }).end(options.body ?? '');
      return;
    }
    const rec = records.get(decodeURIComponent(m[1]!));
    if (rec === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(options.body ?? JSON.stringify(rec));
  });
}

/** `GET /web/timemap/cdx?url=…&limit=-1` → CDX lines for that url (space separated). */
export function startCdx(linesByUrl: Map<string, string[]>, options: { requireCookie?: string } = {}): Promise<ServiceHandle> {
  return serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' || url.pathname !== '/web/timemap/cdx' || url.searchParams.get('limit') !== '-1') {
      res.writeHead(400).end('bad request');
      return;
    }
    if (options.requireCookie !== undefined && req.headers.cookie !== options.requireCookie) {
      res.writeHead(403).end('forbidden');
      return;
    }
    const lines = linesByUrl.get(url.searchParams.get('url') ?? '') ?? [];
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.map((l) => l + '\n').join(''));
  });
}

/** Accepts TCP connections and reads requests but never answers. */
export async function startHungServer(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A CDX line in the Wayback 7-field layout. */
export function cdxLine(fields: { urlkey?: string; timestamp: string; original: string; mime: string; status: string; digest: string; length?: number }): string {
  return [fields.urlkey ?? 'com,example)/', fields.timestamp, fields.original, fields.mime, fields.status, fields.digest, String(fields.length ?? 1234)].join(' ');
}
