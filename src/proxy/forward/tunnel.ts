import type { Socket } from 'node:net';
import type { BlockRelay } from './block-relay';
import type { ScopeStats } from './scope-stats';

/**
 * Most bytes one direction may hold in the receiving socket's buffer before
 * the sender is paused. pipe() pauses whenever a write passes the socket's
 * 16 KiB mark, i.e. after nearly every 64 KiB read; a larger bound keeps bulk
 * transfers streaming while a slow reader still pins at most this much.
 */
const MAX_BUFFERED = 1024 * 1024;

function pump(from: Socket, to: Socket, count: (bytes: number) => void): void {
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (!to.write(chunk) && to.writableLength >= MAX_BUFFERED) from.pause();
  });
  to.on('drain', () => from.resume());
  from.once('end', () => to.end());
  from.resume();
}

/**
 * Joins the client and the route both ways with backpressure, counts bytes in
 * every scope, closes both sides when either goes away, and closes both after
 * `idleTimeoutMs` without traffic either way (a socket's timer is refreshed by
 * reads and writes, and all tunnel traffic passes through the client socket).
 * `onClose` runs once, when both are gone.
 */
export function splice(
  client: Socket,
  upstream: Socket,
  head: Buffer,
  scopes: readonly ScopeStats[],
  idleTimeoutMs: number,
  onClose: () => void,
  /** Reads the upstream socket instead of its 'data' events, when it was opened with one. */
  relay?: BlockRelay,
): void {
  let open = 2;
  const closed = (): void => {
    open -= 1;
    if (open === 0) onClose();
  };
  client.once('close', () => {
    upstream.destroy();
    closed();
  });
  upstream.once('close', () => {
    // Whatever the client socket still buffers is flushed before its FIN.
    if (!client.writableEnded) client.end();
    closed();
  });
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.setTimeout(idleTimeoutMs, () => {
    client.destroy();
    upstream.destroy();
  });
  if (head.length > 0) {
    for (const scope of scopes) scope.bytes(head.length, 0);
    upstream.write(head);
  }
  pump(client, upstream, (n) => {
    for (const scope of scopes) scope.bytes(n, 0);
  });
  const countDown = (n: number): void => {
    for (const scope of scopes) scope.bytes(0, n);
  };
  if (relay) relay.attach(upstream, client, countDown);
  else pump(upstream, client, countDown);
}
