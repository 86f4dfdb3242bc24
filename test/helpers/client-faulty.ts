/**
 * A TCP server that misbehaves on purpose, chosen by request path:
 * /reset-mid-body, /early-close, /bad-status, /bad-chunk, /huge-head,
 * /stall-headers, /stall-body, /drip (one byte every 50 ms), /ok.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FaultyServer {
  url: string;
  close(): Promise<void>;
}

export async function startFaulty(): Promise<FaultyServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const path = buf.slice(0, end).split(' ')[1] ?? '/';
      buf = buf.slice(end + 4);
      answer(socket, path);
    });
  });

  function answer(s: net.Socket, path: string): void {
    switch (path) {
      case '/reset-mid-body':
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
        s.write(Buffer.alloc(5000, 'r'));
        later(20, () => s.resetAndDestroy());
        return;
      case '/early-close':
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
        s.end(Buffer.alloc(5000, 'e'));
        return;
      case '/bad-status':
        s.end('HTTP/1.1 OK twohundred\r\nContent-Length: 2\r\n\r\nhi');
        return;
      case '/bad-chunk':
        s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\nnot hex\r\n0\r\n\r\n');
        return;
      case '/huge-head':
        s.write(`HTTP/1.1 200 OK\r\nX-Huge: ${'h'.repeat(70 * 1024)}\r\nContent-Length: 2\r\n\r\nhi`);
        return;
      case '/stall-headers':
        return; // never answers
      case '/stall-body':
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much');
        return;
      case '/drip': {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
        const drip = (): void => {
          if (s.destroyed) return;
          s.write('d');
          later(50, drip);
        };
        drip();
        return;
      }
      default:
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
