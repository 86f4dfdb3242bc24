/**
 * Direct CONNECT tunnels read the target through a shared read buffer and
 * recycled blocks (block-relay.ts): these check the bytes arrive exact and in
 * order, tunnels do not see each other's data, a target that speaks first is
 * not lost, stats count every byte, and a client that stops reading stops the
 * target (memory stays bounded).
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';

interface Target {
  port: number;
  /** Bytes the target has handed to its socket so far, per connection in order of arrival. */
  written: number[];
  close(): Promise<void>;
}

/** On connect, writes `payload(i)` for the i-th connection (at once, before the client says anything), then ends. */
function startSender(payload: (i: number) => Buffer): Promise<Target> {
  const sockets = new Set<net.Socket>();
  const written: number[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const index = written.length;
    written.push(0);
    const data = payload(index);
    let offset = 0;
    const pump = (): void => {
      while (offset < data.length) {
        const piece = data.subarray(offset, offset + 64 * 1024);
        offset += piece.length;
        written[index] = offset;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        written,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

/** CONNECTs and resolves with the socket paused right after the 200 head, so no tunnel byte can slip past unread. */
function openTunnel(proxyPort: number, target: string): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      if (end + 4 < buffer.length) socket.unshift(buffer.subarray(end + 4));
      resolve({ status: Number(buffer.toString('latin1', 0, end).split(' ')[1]), socket });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Reads to the end; with `stutter`, pauses 10 ms after each 256 KiB, so the proxy's writes to this client queue up. */
function readAll(socket: net.Socket, stutter = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sincePause = 0;
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      sincePause += c.length;
      if (stutter && sincePause >= 256 * 1024) {
        sincePause = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 10);
      }
    });
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
    socket.resume();
  });
}

const proxies: ForwardProxy[] = [];
const targets: Target[] = [];
afterEach(async () => {
  await Promise.all([...proxies.splice(0).map((p) => p.close()), ...targets.splice(0).map((t) => t.close())]);
});

async function setUp(payload: (i: number) => Buffer): Promise<{ proxy: ForwardProxy; target: Target }> {
  const proxy = await createForwardProxy({ listen: '127.0.0.1:0' });
  proxies.push(proxy);
  const target = await startSender(payload);
  targets.push(target);
  return { proxy, target };
}

test('parallel bulk tunnels each get their own bytes, exact and in order, and stats count them all', async () => {
  const payloads = [0, 1, 2, 3].map((i) => crypto.randomBytes(16 * 1024 * 1024 + 1000 * i + 7));
  const { proxy, target } = await setUp((i) => payloads[i]!);
  const tunnels = await Promise.all(payloads.map(() => openTunnel(proxy.port, `127.0.0.1:${target.port}`)));
  const received = await Promise.all(tunnels.map((t) => readAll(t.socket, true)));
  // Connections reach the target in some order: match each download to the payload sent on it.
  const sorted = (list: Buffer[]): string[] => list.map((b) => crypto.createHash('sha256').update(b).digest('hex')).sort();
  expect(sorted(received)).toEqual(sorted(payloads));
  for (const t of tunnels) t.socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const total = payloads.reduce((sum, p) => sum + p.length, 0);
  expect(proxy.stats().overall.lifetime.bytes).toEqual({ up: 0, down: total });
});

test('a target that speaks first is relayed once the tunnel is up', async () => {
  const banner = Buffer.from('220 hello from the target\r\n');
  const { proxy, target } = await setUp(() => banner);
  const tunnel = await openTunnel(proxy.port, `127.0.0.1:${target.port}`);
  expect(tunnel.status).toBe(200);
  expect((await readAll(tunnel.socket)).toString()).toBe(banner.toString());
});

test('a client that stops reading stops the target, then gets every byte when it reads again', async () => {
  const size = 96 * 1024 * 1024;
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) payload.writeUInt32BE(i / 4096, i);
  const { proxy, target } = await setUp(() => payload);
  const tunnel = await openTunnel(proxy.port, `127.0.0.1:${target.port}`);
  tunnel.socket.pause();
  await new Promise((r) => setTimeout(r, 1500));
  // Kernel buffers on three loopback legs plus the relay's 1 MiB hold what was
  // written; without backpressure the proxy would have read all 96 MiB.
  const stalledAt = target.written[0]!;
  expect(stalledAt).toBeLessThan(40 * 1024 * 1024);
  await new Promise((r) => setTimeout(r, 300));
  expect(target.written[0]).toBe(stalledAt);
  const received = await readAll(tunnel.socket);
  expect(received.length).toBe(size);
  expect(received.equals(payload)).toBe(true);
}, 20_000);
