/** Test servers for the capturing client: plain node:http(s), and raw TCP servers that write exact (or broken) bytes. */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { testCertificate as testCert } from './tls-cert';

export interface Running {
  url: string;
  port: number;
  /** Every TCP connection the server accepted, in order (to count connections, see peers and bytes sent). */
  accepted: net.Socket[];
  close(): Promise<void>;
}

function track(server: net.Server, accepted: net.Socket[]): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    accepted.push(s);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

async function listen(server: net.Server, scheme: string): Promise<Running> {
  const accepted: net.Socket[] = [];
  const sockets = track(server, accepted);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Any TCP server (its own protocol handling) on a free loopback port, tracked and closed like the others. */
export function startTcp(server: net.Server): Promise<Running> {
  return listen(server, 'http');
}

export function startHttp(handler: http.RequestListener): Promise<Running> {
  return listen(http.createServer({ keepAliveTimeout: 10_000 }, handler), 'http');
}

export function startHttps(handler: http.RequestListener): Promise<Running> {
  const { key, cert } = testCert();
  return listen(https.createServer({ key, cert, keepAliveTimeout: 10_000 }, handler), 'https');
}

/**
 * A raw TCP server: `onRequest` gets each request head (bytes up to the blank
 * line, plus any body it announced with Content-Length) and writes whatever it
 * likes. `sent` keeps every byte the server wrote, per connection.
 */
export interface RawServer extends Running {
  sent: Buffer[][];
}

/** For a test file: a function that starts a raw server (as startRaw); every one it started is closed after each test. */
export function rawServersPerTest(): (onRequest: Parameters<typeof startRaw>[0]) => Promise<RawServer> {
  const servers: RawServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (onRequest) => {
    const server = await startRaw(onRequest);
    servers.push(server);
    return server;
  };
}

export async function startRaw(onRequest: (socket: net.Socket, head: string, body: Buffer, write: (b: Buffer | string) => void) => void): Promise<RawServer> {
  const sent: Buffer[][] = [];
  const server = net.createServer((socket) => {
    const mine: Buffer[] = [];
    sent.push(mine);
    const write = (b: Buffer | string): void => {
      const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
      mine.push(buf);
      socket.write(buf);
    };
    let pending = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end + 4).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(head);
        const len = m ? Number(m[1]) : 0;
        if (pending.length < end + 4 + len) return;
        const body = pending.subarray(end + 4, end + 4 + len);
        pending = pending.subarray(end + 4 + len);
        onRequest(socket, head, body, write);
      }
    });
  });
  const running = await listen(server, 'http');
  return { ...running, sent };
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Files in a directory (spool temp dir). */
export function filesIn(dir: string): string[] {
  return readdirSync(dir);
}
