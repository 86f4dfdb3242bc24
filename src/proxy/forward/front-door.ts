import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { endWithStatus } from '../raw-response';
import { readConnectHead } from './connect-head';

/**
 * Later request heads on a kept-alive connection must arrive within this. The
 * first head has the shorter pendingTimeoutMs (ClientSlots).
 */
const HEAD_TIMEOUT_MS = 30_000;

/**
 * The HTTP server behind a proxy's TCP listener: it never listens itself and
 * parses what the listener hands it (see routeFirstHead). Idle and keep-alive
 * timeouts are the caller's to set.
 */
export function innerHttpServer(maxHeaderBytes: number): Server {
  const server = http.createServer({ maxHeaderSize: maxHeaderBytes, requestTimeout: 0, connectionsCheckingInterval: 5000 });
  server.headersTimeout = HEAD_TIMEOUT_MS;
  // The HTTP server enforces headersTimeout from a timer it starts on 'listening';
  // it never listens itself (the front server does), so start that timer by hand.
  server.emit('listening');
  return server;
}

export type ConnectHandler = (target: string, headers: IncomingHttpHeaders, socket: Socket, rest: Buffer) => void;

/**
 * Reads a new client connection's first head: a CONNECT goes to `onConnect`,
 * anything else is handed, bytes and all, to `server` (an HTTP server that
 * never listens itself); a malformed head is answered 400/431 after `onBadHead`.
 */
export function routeFirstHead(socket: Socket, server: Server, maxHeaderBytes: number, onConnect: ConnectHandler, onBadHead: () => void): void {
  readConnectHead(socket, maxHeaderBytes, (head) => {
    switch (head.kind) {
      case 'connect':
        return onConnect(head.target, head.headers, socket, head.rest);
      case 'other':
        socket.unshift(head.buffered);
        server.emit('connection', socket);
        socket.resume();
        return;
      case 'error':
        onBadHead();
        return endWithStatus(socket, head.status);
      default:
        socket.destroy();
    }
  });
}

/** Answers the HTTP server's client errors (bad head 400, too large 431, too slow 408) after `onBadHead`. */
export function answerClientErrors(server: Server, onBadHead: () => void): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    onBadHead();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    endWithStatus(socket, status);
  });
}
