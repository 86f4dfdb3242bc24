import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

/** A small complete HTTP/1.1 response that announces the connection's close. */
function closingResponse(status: number, extraHeaders: Record<string, string>, body: string): string {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(extraHeaders)) lines.push(`${name}: ${value}`);
  lines.push('Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const defaultBody = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}\n`;

/**
 * Writes a small complete HTTP/1.1 response on a raw socket (CONNECT and
 * client errors have no ServerResponse) and closes the connection after it.
 */
export function endWithStatus(socket: Socket, status: number, extraHeaders: Record<string, string> = {}, body = defaultBody(status)): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(closingResponse(status, extraHeaders, body));
  // Read (and drop) whatever else comes, so the peer's FIN is seen and the socket closes.
  socket.resume();
  // A peer that never reads must not keep the socket alive.
  socket.setTimeout(5000, () => socket.destroy());
}

/**
 * Like endWithStatus, but frees the socket as soon as the response is handed
 * to the kernel instead of waiting for the peer's FIN: for connections dropped
 * for being too slow, whose peer is unlikely to be polite.
 */
export function dropWithStatus(socket: Socket, status: number): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.write(closingResponse(status, {}, defaultBody(status)));
  socket.destroySoon();
  // A peer whose receive window is shut cannot hold the socket either.
  socket.setTimeout(1000, () => socket.destroy());
}
