import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

/**
 * Writes a small complete HTTP/1.1 response on a raw socket (CONNECT and
 * client errors have no ServerResponse) and closes the connection after it.
 */
export function endWithStatus(
  socket: Socket,
  status: number,
  extraHeaders: Record<string, string> = {},
  body = `${status} ${STATUS_CODES[status] ?? ''}\n`,
): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(extraHeaders)) lines.push(`${name}: ${value}`);
  lines.push('Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close');
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // Read (and drop) whatever else comes, so the peer's FIN is seen and the socket closes.
  socket.resume();
  // A peer that never reads must not keep the socket alive.
  socket.setTimeout(5000, () => socket.destroy());
}
