/**
 * Real target servers for the proxy tests, all on 127.0.0.1: an HTTP server,
 * an HTTPS server with a certificate made by the openssl CLI, and a raw TCP
 * echo server (what a tunnel carries does not matter to a proxy).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Running {
  port: number;
  close(): Promise<void>;
}

export interface TestCert {
  key: string;
  cert: string;
}

/** A fresh self-signed certificate for 127.0.0.1 / localhost. */
export function makeCert(): TestCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-proxy-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Answers `GET /bytes/N` with N bytes of 'x', anything else with `hello <method> <path>`. */
const handler: http.RequestListener = (req, res) => {
  const bytes = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  if (bytes) {
    const n = Number(bytes[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
    res.end(Buffer.alloc(n, 'x'));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = `hello ${req.method} ${req.url}${chunks.length ? ` ${Buffer.concat(chunks).toString()}` : ''}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-tag': String(req.headers['x-warcwire-tag'] ?? '') });
    res.end(body);
  });
};

async function listen(server: net.Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export function startHttpTarget(): Promise<Running> {
  return listen(http.createServer(handler));
}

export function startHttpsTarget(cert: TestCert): Promise<Running> {
  return listen(https.createServer({ key: cert.key, cert: cert.cert }, handler));
}

/** Echoes every byte back; counts connections. */
export async function startEchoServer(): Promise<Running & { connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  const running = await listen(server);
  return { ...running, connections: () => connections };
}
