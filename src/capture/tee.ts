import type { Socket } from 'node:net';

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
 * Observes every plaintext byte of `socket` (for TLS: the TLSSocket) without
 * changing what its user sees: `write`/`end` are wrapped on the instance
 * (Writable keeps write order = wire order) and so is `push`, through which
 * the socket hands received bytes to its readable side, whether its consumer
 * uses 'data' or 'readable'. Observer exceptions never reach the socket.
 */
export function teeSocket(socket: Socket, observer: TeeObserver, onObserverError: (err: unknown) => void): void {
  let destroyError: Error | undefined;
  const guard = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      onObserverError(err);
    }
  };

  const origWrite = socket.write;
  socket.write = function teeWrite(this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const buf = toBuffer(chunk, encoding);
    if (buf !== undefined && buf.length > 0 && !socket.destroyed && !socket.writableEnded) guard(() => observer.onWrite(buf));
    return (origWrite as (c: unknown, e?: unknown, cb?: unknown) => boolean).call(this, chunk, encoding, cb);
  } as Socket['write'];

  const origEnd = socket.end;
  socket.end = function teeEnd(this: Socket, chunk?: unknown, encoding?: unknown, cb?: unknown): Socket {
    if (typeof chunk !== 'function') {
      const buf = chunk == null ? undefined : toBuffer(chunk, encoding);
      if (buf !== undefined && buf.length > 0 && !socket.destroyed && !socket.writableEnded) guard(() => observer.onWrite(buf));
    }
    return (origEnd as (c?: unknown, e?: unknown, cb?: unknown) => Socket).call(this, chunk, encoding, cb as WriteCb);
  } as Socket['end'];

  const origPush = socket.push;
  socket.push = function teePush(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) guard(() => observer.onReadEnd());
    else {
      const buf = toBuffer(chunk, encoding);
      if (buf !== undefined && buf.length > 0) guard(() => observer.onRead(buf));
    }
    return origPush.call(this, chunk, encoding);
  };

  const origDestroy = socket.destroy;
  socket.destroy = function teeDestroy(this: Socket, error?: Error): Socket {
    if (error !== undefined && destroyError === undefined) destroyError = error;
    return origDestroy.call(this, error);
  };

  socket.once('close', () => guard(() => observer.onClose(destroyError)));
}
