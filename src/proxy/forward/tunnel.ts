import type { Socket } from 'node:net';
import type { ScopeStats } from './scope-stats';

/**
 * Joins the client and the route both ways with pipe() (so a slow reader
 * pauses the fast writer instead of growing buffers), counts bytes in every
 * scope, closes both sides when either goes away, and closes both after
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
    // The client still gets what the pipe holds; end() follows through the pipe.
    if (!client.writableEnded) client.end();
    closed();
  });
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.setTimeout(idleTimeoutMs, () => {
    client.destroy();
    upstream.destroy();
  });
  client.on('data', (chunk: Buffer) => {
    for (const scope of scopes) scope.bytes(chunk.length, 0);
  });
  upstream.on('data', (chunk: Buffer) => {
    for (const scope of scopes) scope.bytes(0, chunk.length);
  });
  if (head.length > 0) {
    for (const scope of scopes) scope.bytes(head.length, 0);
    upstream.write(head);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}
