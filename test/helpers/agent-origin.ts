/**
 * Loopback http/https origins for the agent tests that log, per request, the
 * exact bytes the server wrote for its response, the request as it arrived
 * (request line, raw header lines, body) and how many connections it took.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { testCertificate } from './tls-cert';

export interface LoggedRequest {
  /** The request line and header lines as received, with the blank line: what the head on the wire was. */
  head: string;
  body: Buffer;
  /** Every byte the server handed its socket for the response, head included. */
  sent: Buffer[];
}

export interface LoggingOrigin {
  url: string;
  port: number;
  /** Requests by path, in arrival order for a path requested more than once. */
  requests: Map<string, LoggedRequest[]>;
  connections(): number;
  /** The one logged request of `path` (throws when there is not exactly one). */
  only(path: string): LoggedRequest;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Appends what `socket` is asked to write to the log entry of the response it serves now. */
function tapWrites(socket: Socket, current: WeakMap<Socket, LoggedRequest>): void {
  for (const method of ['write', 'end'] as const) {
    const original = socket[method] as (...args: unknown[]) => unknown;
    socket[method] = function tapped(this: Socket, chunk?: unknown, ...rest: unknown[]): unknown {
      const entry = current.get(socket);
      if (entry !== undefined && chunk != null && typeof chunk !== 'function') {
        entry.sent.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array));
      }
      return original.call(this, chunk, ...rest);
    } as never;
  }
}

export async function startLoggingOrigin(scheme: 'http' | 'https', handler: Handler): Promise<LoggingOrigin> {
  const requests = new Map<string, LoggedRequest[]>();
  const current = new WeakMap<Socket, LoggedRequest>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const listener: Handler = (req, res) => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    const entry: LoggedRequest = { head: `${lines.join('\r\n')}\r\n\r\n`, body: Buffer.alloc(0), sent: [] };
    const list = requests.get(req.url!) ?? [];
    list.push(entry);
    requests.set(req.url!, list);
    current.set(req.socket, entry);
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      entry.body = Buffer.concat(body);
      handler(req, res);
    });
  };
  const server =
    scheme === 'https'
      ? https.createServer({ ...testCertificate(), keepAliveTimeout: 10_000 }, listener)
      : http.createServer({ keepAliveTimeout: 10_000 }, listener);
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections++;
    tapWrites(socket, current);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    only(path) {
      const list = requests.get(path) ?? [];
      if (list.length !== 1) throw new Error(`${path} was requested ${list.length} times, not once`);
      return list[0]!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic bytes (a repeating pattern that is not all one byte), for bodies to compare. */
export function patternBytes(length: number, offset = 0): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = ((offset + i) * 31 + ((offset + i) >> 8)) & 0xff;
  return out;
}

/**
 * A handler sending a body of `total` bytes (Content-Length) in 64 KiB pieces, only as
 * fast as the client reads (it waits for 'drain'), and stopping when the client goes.
 */
export function largeBody(total: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    let offset = 0;
    const pump = (): void => {
      while (offset < total && !res.destroyed) {
        const piece = patternBytes(Math.min(65536, total - offset), offset);
        offset += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (offset >= total) res.end();
    };
    res.on('error', () => undefined);
    pump();
  };
}
