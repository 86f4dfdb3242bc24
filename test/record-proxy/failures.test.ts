/**
 * What goes wrong around the recording proxy: an origin whose certificate
 * does not verify (502 naming the cause, nothing written), a refused origin,
 * a browser that does not trust the CA (handshake fails, the proxy stays
 * healthy, nothing leaks), and 500 tunnels at once.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { openTunnel } from '../helpers/proxy-clients';
import { makeCert } from '../helpers/proxy-targets';
import { openFiles, request, tunnelAgent, waitFor, warcioRecords } from '../helpers/record-proxy';
import { startSilentServer } from '../helpers/silent-server';
import { testCertificate } from '../helpers/tls-cert';

jest.setTimeout(60_000);

let origin: LoggingOrigin;
/** An https origin whose self-signed certificate nobody trusts. */
let badOrigin: https.Server;
let badPort: number;
let root: string;
let out: string;
let proxy: RecordingProxy;
const warnings: string[] = [];

beforeAll(async () => {
  origin = await startLoggingOrigin('https', (req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${req.url}`));
  badOrigin = https.createServer({ ...makeCert(), keepAliveTimeout: 1000 }, (_req, res) => res.end('should never be seen'));
  await new Promise<void>((resolve) => badOrigin.listen(0, '127.0.0.1', resolve));
  badPort = (badOrigin.address() as AddressInfo).port;
});
afterAll(async () => {
  await origin?.close();
  badOrigin?.closeAllConnections();
  await new Promise((resolve) => badOrigin?.close(resolve));
});

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-'));
  out = join(root, 'warcs');
  warnings.length = 0;
  const log = (_fields: object, msg: string): void => void warnings.push(msg);
  proxy = await createRecordingProxy({
    listen: '127.0.0.1:0',
    ca: { dir: join(root, 'ca') },
    client: { writer: { directory: out }, tls: { ca: testCertificate().cert } },
    logger: { debug: () => undefined, info: log, warn: log, error: log },
  });
});
afterEach(async () => {
  await proxy.close();
  rmSync(root, { recursive: true, force: true });
});

test('an origin whose certificate fails verification: 502 with the cause, a log line, nothing written', async () => {
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const got = await request(`https://localhost:${badPort}/x`, { agent });
  const ok = await request(`https://localhost:${origin.port}/after-bad`, { agent });
  agent.destroy();
  expect(got.status).toBe(502);
  expect(got.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(got.body.toString()).toMatch(/^upstream certificate for localhost failed verification: self[- ]signed certificate\n$/);
  expect(warnings.filter((w) => w.includes('upstream certificate for localhost'))).toHaveLength(1);
  // The browser connection was kept: the next request in the same tunnel was served.
  expect(ok.status).toBe(200);
  expect(agent.tunnels()).toBe(2);
  await proxy.close();
  const uris = warcioRecords(out).filter((r) => r.type === 'response' || r.type === 'request').map((r) => r.targetUri);
  expect(uris).toEqual([`https://localhost:${origin.port}/after-bad`, `https://localhost:${origin.port}/after-bad`]);
  expect(proxy.stats().exchanges).toMatchObject({ recorded: 1, failed: 1 });
});

test('a refused origin: 502 naming the origin, nothing written', async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const got = await request(`http://127.0.0.1:${port}/gone`, { host: '127.0.0.1', port: proxy.port, path: `http://127.0.0.1:${port}/gone` });
  expect(got.status).toBe(502);
  expect(got.body.toString()).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1 failed \\(connect\\): .*${port}.*ECONNREFUSED\n$`));
  await proxy.close();
  expect(warcioRecords(out).filter((r) => r.type !== 'warcinfo')).toEqual([]);
});

test('an origin that never answers: 504 naming the timeout (response head over http, TLS handshake over https), nothing written', async () => {
  const silent = await startSilentServer();
  const port = Number(new URL(silent.url).port);
  const dir = join(root, 'slow');
  const timed = await createRecordingProxy({
    listen: '127.0.0.1:0',
    ca: { dir: join(root, 'ca') },
    client: { writer: { directory: dir }, timeouts: { responseHeaders: 300, tlsHandshake: 300 } },
  });
  try {
    const plain = await request(`http://127.0.0.1:${port}/wait`, { host: '127.0.0.1', port: timed.port, path: `http://127.0.0.1:${port}/wait` });
    expect(plain.status).toBe(504);
    expect(plain.body.toString()).toMatch(/^upstream 127\.0\.0\.1 timed out: .*responseHeaders/);
    const agent = tunnelAgent(timed.port, timed.ca.certPem);
    const secure = await request(`https://localhost:${port}/wait`, { agent });
    agent.destroy();
    expect(secure.status).toBe(504);
    expect(secure.body.toString()).toMatch(/^upstream localhost timed out: TLS handshake with localhost:\d+ timed out after 300 ms/);
  } finally {
    await timed.close();
    await silent.close();
  }
  expect(warcioRecords(dir).filter((r) => r.type !== 'warcinfo')).toEqual([]);
  expect(timed.stats().exchanges).toMatchObject({ recorded: 0, failed: 2 });
});

test('a browser that does not trust the CA: its handshake fails, the proxy stays healthy, no socket or record leaks', async () => {
  const { socket } = await openTunnel(proxy.port, `localhost:${origin.port}`);
  const refused = await new Promise<Error>((resolve) => {
    const secure = tls.connect({ socket, servername: 'localhost' }); // Node's own CAs only
    secure.once('secureConnect', () => resolve(new Error('handshake succeeded')));
    secure.once('error', resolve);
  });
  expect((refused as NodeJS.ErrnoException).code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  await new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve)));
  // A trusting browser right after is served.
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  expect((await request(`https://localhost:${origin.port}/trusted`, { agent })).status).toBe(200);
  agent.destroy();
  await waitFor(() => proxy.stats().tunnels.open === 0);
  const stats = proxy.stats();
  expect(stats.tunnels).toMatchObject({ opened: 2, open: 0, tls: 1, failedHandshakes: 1 });
  expect(stats.clients).toEqual({ pending: 0, active: 0 });
  await proxy.close();
  expect(openFiles(out)).toEqual([]);
  expect(warcioRecords(out).filter((r) => r.type === 'response').map((r) => r.targetUri)).toEqual([`https://localhost:${origin.port}/trusted`]);
});

test('500 concurrent CONNECT tunnels with TLS are all served and recorded once each', async () => {
  const N = 500;
  const one = async (i: number): Promise<string> => {
    const { socket } = await openTunnel(proxy.port, `localhost:${origin.port}`);
    const secure = tls.connect({ socket, ca: proxy.ca.certPem, servername: 'localhost' });
    return new Promise<string>((resolve, reject) => {
      let text = '';
      secure.on('data', (d: Buffer) => (text += d.toString('latin1')));
      secure.once('end', () => resolve(text));
      secure.once('error', reject);
      secure.write(`GET /many/${i} HTTP/1.1\r\nHost: localhost:${origin.port}\r\nConnection: close\r\n\r\n`);
    });
  };
  const answers = await Promise.all(Array.from({ length: N }, (_, i) => one(i)));
  answers.forEach((text, i) => expect(text).toMatch(new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\n\\r\\n[0-9a-f]+\\r\\nok /many/${i}\\r\\n0\\r\\n\\r\\n$`)));
  expect(proxy.issuer.issued).toBe(1);
  await proxy.close();
  const responses = warcioRecords(out).filter((r) => r.type === 'response');
  expect(new Set(responses.map((r) => r.targetUri)).size).toBe(N);
  expect(responses).toHaveLength(N);
  expect(proxy.stats().tunnels).toMatchObject({ opened: N, open: 0, tls: N });
  expect(readdirSync(out).filter((f) => f.endsWith('.open'))).toEqual([]);
});
