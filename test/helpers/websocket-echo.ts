/**
 * A WebSocket echo origin on loopback (node's http(s) 'upgrade' event, RFC 6455 framing written
 * here, no library), and the frame codec a test client needs. `/echo` answers 101 and, in the
 * same write, a greeting frame, then echoes every text/binary frame; `/deny` answers 403.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import { startTcp, type Running } from './client-servers';
import { testCertificate } from './tls-cert';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const GREETING = 'hello from the origin';
export const DENIED = 'no websocket for you';

export interface Frame {
  opcode: number;
  payload: Buffer;
}

/** One final frame; `masked` as a client must send it. */
export function encodeFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!masked) return Buffer.concat([head, payload]);
  head[1] = head[1]! | 0x80;
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, body]);
}

/** Splits a byte stream into frames (masked or not), as they complete. */
export class FrameReader {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return frames;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return frames;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return frames;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const masked = (b[1]! & 0x80) !== 0;
      const mask = masked ? b.subarray(at, at + 4) : undefined;
      if (masked) at += 4;
      if (b.length < at + len) return frames;
      const raw = b.subarray(at, at + len);
      frames.push({ opcode: b[0]! & 0x0f, payload: mask === undefined ? Buffer.from(raw) : Buffer.from(raw.map((x, i) => x ^ mask[i % 4]!)) });
      this.buffered = b.subarray(at + len);
    }
  }
}

/** The next `count` frames `socket` receives (after any already-received bytes in `reader`). */
export function readFrames(socket: Duplex, count: number, reader = new FrameReader()): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const got: Frame[] = [];
    const onData = (chunk: Buffer): void => {
      got.push(...reader.push(chunk));
      if (got.length >= count) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export interface WebSocketOrigin extends Running {
  /** The exact bytes of every 101 head sent, in order. */
  switchHeads: Buffer[];
  /** Text frames received from clients (unmasked), in order. */
  received: string[];
}

export async function startWebSocketOrigin(scheme: 'http' | 'https'): Promise<WebSocketOrigin> {
  const server = scheme === 'https' ? https.createServer(testCertificate()) : http.createServer();
  const switchHeads: Buffer[] = [];
  const received: string[] = [];
  server.on('request', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('plain http'));
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    const key = req.headers['sec-websocket-key'];
    if (req.url !== '/echo' || typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${DENIED.length}\r\nConnection: close\r\n\r\n${DENIED}`);
      return;
    }
    const head = Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`, 'latin1');
    switchHeads.push(head);
    // The first frame in the same write as the head: it must reach the caller, not the archive.
    socket.write(Buffer.concat([head, encodeFrame(0x1, Buffer.from(GREETING), false)]));
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.opcode === 0x8) {
          socket.end(encodeFrame(0x8, frame.payload, false));
          return;
        }
        if (frame.opcode === 0x1) received.push(frame.payload.toString('utf8'));
        if (frame.opcode === 0x1 || frame.opcode === 0x2) socket.write(encodeFrame(frame.opcode, frame.payload, false));
      }
    });
    socket.on('error', () => socket.destroy());
  });
  const running = await startTcp(server);
  return Object.assign(running, { url: `${scheme}://127.0.0.1:${running.port}`, switchHeads, received });
}
