import type { Duplex } from 'node:stream';

/** What a tee reports about one socket, in wire order per direction. */
export interface TeeObserver {
  /** Bytes handed to the socket for sending, in the order they will go out. */
  onWrite(chunk: Buffer): void;
  /** Bytes received, before the socket's consumer sees them. */
  onRead(chunk: Buffer): void;
  /** The peer ended its side (EOF on read). */
  onReadEnd(): void;
  /** The socket is closed; `error` is the reason it was destroyed with, if any. */
  onClose(error: Error | undefined): void;
}

type WriteCb = (err?: Error | null) => void;

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
}

/**
 * Observes every plaintext byte of `socket` (any Duplex: for TLS the TLSSocket,
 * or either side of a proxied connection) without
 * changing what its user sees: `write`/`end` are wrapped on the instance
 * (Writable keeps write order = wire order) and so is `push`, through which
 * the socket hands received bytes to its readable side, whether its consumer
 * uses 'data' or 'readable'. Observer exceptions never reach the socket.
 */
export function teeSocket(socket: Duplex, observer: TeeObserver, onObserverError: (err: unknown) => void): void {
  let destroyError: Error | undefined;
  const guard = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      onObserverError(err);
    }
  };

  const origWrite = socket.write;
  socket.write = function teeWrite(this: Duplex, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const buf = toBuffer(chunk, encoding);
    if (buf !== undefined && buf.length > 0 && !socket.destroyed && !socket.writableEnded) guard(() => observer.onWrite(buf));
    return (origWrite as (c: unknown, e?: unknown, cb?: unknown) => boolean).call(this, chunk, encoding, cb);
  } as Duplex['write'];

  const origEnd = socket.end;
  socket.end = function teeEnd(this: Duplex, chunk?: unknown, encoding?: unknown, cb?: unknown): Duplex {
    if (typeof chunk !== 'function') {
      const buf = chunk == null ? undefined : toBuffer(chunk, encoding);
      if (buf !== undefined && buf.length > 0 && !socket.destroyed && !socket.writableEnded) guard(() => observer.onWrite(buf));
    }
    return (origEnd as (c?: unknown, e?: unknown, cb?: unknown) => Duplex).call(this, chunk, encoding, cb as WriteCb);
  } as Duplex['end'];

  const origPush = socket.push;
  socket.push = function teePush(this: Duplex, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) guard(() => observer.onReadEnd());
    else {
      const buf = toBuffer(chunk, encoding);
      if (buf !== undefined && buf.length > 0) guard(() => observer.onRead(buf));
    }
    return origPush.call(this, chunk, encoding);
  };

  const origDestroy = socket.destroy;
  socket.destroy = function teeDestroy(this: Duplex, error?: Error): Duplex {
    if (error !== undefined && destroyError === undefined) destroyError = error;
    return origDestroy.call(this, error);
  };

  socket.once('close', () => guard(() => observer.onClose(destroyError)));
}
