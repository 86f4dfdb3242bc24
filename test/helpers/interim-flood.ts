/** An origin's answer of 103 Early Hints heads and never a final head, for the tests of the head limit. */
import type { Socket } from 'node:net';

const EARLY_HINTS = Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', 'latin1');

/** What the origin sends at most before it falls silent (it stops early when the connection closes). */
export const FLOOD_BYTES = 4 * 1024 * 1024;

/** Writes 103 heads in batches, one batch per turn of the event loop, until `socket` closes or FLOOD_BYTES went out. */
export function floodEarlyHints(socket: Socket, write: (bytes: Buffer) => unknown): void {
  const batch = Buffer.concat(Array.from({ length: 100 }, () => EARLY_HINTS));
  let sent = 0;
  const more = (): void => {
    if (socket.destroyed || sent >= FLOOD_BYTES) return;
    write(batch);
    sent += batch.length;
    setImmediate(more);
  };
  more();
}
