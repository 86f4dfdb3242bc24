/**
 * WebSocket upgrades through the recording proxy, inside intercepted (wss)
 * and plain (ws) CONNECT tunnels: the 101 head reaches the browser as the
 * origin sent it, frames pass both ways, and the WARC holds the handshake as
 * one pair whose response block is exactly the 101 head.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { openTunnel } from '../helpers/proxy-clients';
import { sha1, waitFor, warcioRecords } from '../helpers/record-proxy';
import { testCertificate } from '../helpers/tls-cert';
import { DENIED, encodeFrame, FrameReader, GREETING, readFrames, startWebSocketOrigin, type WebSocketOrigin } from '../helpers/websocket-echo';

jest.setTimeout(30_000);

let origins: Record<'http' | 'https', WebSocketOrigin>;
let root: string;
let out: string;
let proxy: RecordingProxy;

beforeAll(async () => {
  const [http, https] = await Promise.all([startWebSocketOrigin('http'), startWebSocketOrigin('https')]);
  origins = { http, https };
});
afterAll(async () => {
  await Promise.all([origins?.http.close(), origins?.https.close()]);
});
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-ws-'));
  out = join(root, 'warcs');
  proxy = await createRecordingProxy({
    listen: '127.0.0.1:0',
    ca: { dir: join(root, 'ca') },
    client: { writer: { directory: out }, tls: { ca: testCertificate().cert } },
  });
});
afterEach(async () => {
  await proxy.close();
  rmSync(root, { recursive: true, force: true });
});

/** A tunnel to the origin, TLS inside it for https, and the upgrade request written; resolves with the answer's head and what followed it. */
async function upgrade(scheme: 'http' | 'https', path: string): Promise<{ socket: Duplex; head: Buffer; rest: Buffer }> {
  const origin = origins[scheme];
  const tunnel = await openTunnel(proxy.port, `localhost:${origin.port}`);
  const socket: Duplex =
    scheme === 'https' ? tls.connect({ socket: tunnel.socket, ca: proxy.ca.certPem, servername: 'localhost' }) : tunnel.socket;
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: localhost:${origin.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ socket, head: buffered.subarray(0, end + 4), rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

test.each(['https', 'http'] as const)('a WebSocket through a %s tunnel: frames both ways, the handshake recorded as one pair', async (scheme) => {
  const origin = origins[scheme];
  const heads = origin.switchHeads.length;
  const { socket, head, rest } = await upgrade(scheme, '/echo');
  expect(head).toEqual(origin.switchHeads[heads]);
  const reader = new FrameReader();
  const greeting = [...reader.push(rest)];
  if (greeting.length === 0) greeting.push(...(await readFrames(socket, 1, reader)));
  expect(greeting[0]!.payload.toString()).toBe(GREETING);
  socket.write(encodeFrame(0x1, Buffer.from(`ping over ${scheme}`), true));
  const [echo] = await readFrames(socket, 1, reader);
  expect(echo!.payload.toString()).toBe(`ping over ${scheme}`);
  socket.destroy();
  await proxy.close();
  const records = warcioRecords(out).filter((r) => r.type === 'request' || r.type === 'response');
  expect(records.map((r) => r.type)).toEqual(['response', 'request']);
  expect(records[0]!.targetUri).toBe(`${scheme}://localhost:${origin.port}/echo`);
  expect(records[0]!.sha1).toBe(sha1(origin.switchHeads[heads]!));
  expect(proxy.stats()).toMatchObject({ websockets: 1, exchanges: { recorded: 1 } });
});

test('an upgrade the origin refuses is relayed as an ordinary response and recorded', async () => {
  const { socket, head, rest } = await upgrade('https', '/deny');
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
  let body = rest.toString();
  await new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => (body += d.toString()));
    socket.once('end', resolve);
    socket.once('close', resolve);
  });
  expect(body).toBe(DENIED);
  await proxy.close();
  const responses = warcioRecords(out).filter((r) => r.type === 'response');
  expect(responses.map((r) => r.targetUri)).toEqual([`https://localhost:${origins.https.port}/deny`]);
  expect(proxy.stats()).toMatchObject({ websockets: 0, exchanges: { recorded: 1 } });
});

test('close() with a WebSocket open ends it at once and still writes the handshake pair', async () => {
  const { socket, head } = await upgrade('https', '/echo');
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const started = Date.now();
  await proxy.close();
  await ended;
  expect(Date.now() - started).toBeLessThan(3000);
  const responses = warcioRecords(out).filter((r) => r.type === 'response');
  expect(responses.map((r) => r.targetUri)).toEqual([`https://localhost:${origins.https.port}/echo`]);
});

test.each(['http', 'https'] as const)('a browser that goes away from a silent WebSocket in a %s tunnel leaves no connection open', async (scheme) => {
  const { socket, head } = await upgrade(scheme, '/echo');
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  socket.on('error', () => undefined);
  socket.destroy();
  // Neither side writes again. Before: the browser's socket is half-open capable, so the plain tunnel and its client slot stayed open for good.
  await waitFor(() => proxy.stats().tunnels.open === 0 && proxy.stats().clients.active === 0, 3000);
  expect(proxy.stats()).toMatchObject({ websockets: 1, tunnels: { opened: 1, open: 0 }, clients: { active: 0, pending: 0 } });
});
