/**
 * The recording proxy against hostile or careless peers and embedders: a
 * tunnel that stays silent, a Host, SNI or CONNECT target that names another
 * or no valid site, an origin's 103 Early Hints, reloads and settings of the
 * wrong type or spelling passed from JavaScript.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { CertificateError, LeafIssuer, loadCertificateAuthority, type CertificateAuthority } from '../../src/certs';
import { createRecordingProxy, RecordingProxyError, type RecordingProxy, type RecordingProxySettings } from '../../src/record-proxy';
import { startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { openTunnel } from '../helpers/proxy-clients';
import { openFiles, request, waitFor, warcioRecords } from '../helpers/record-proxy';

jest.setTimeout(30_000);

let root: string;
const proxies: RecordingProxy[] = [];
let origin: LoggingOrigin;

beforeAll(async () => {
  origin = await startLoggingOrigin('http', (req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${req.url}`));
});
afterAll(() => origin?.close());

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-hostile-'));
});

/** Writes `text` into `socket` and resolves with all that comes back until it closes. */
function exchangeRaw(text: string, socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.once('close', () => resolve(answer));
    socket.write(text);
  });
}

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  rmSync(root, { recursive: true, force: true });
});

const baseSettings = (): RecordingProxySettings => ({ listen: '127.0.0.1:0', ca: { dir: join(root, 'ca') }, client: { writer: { directory: join(root, 'warcs') } } });

async function start(extra: Partial<RecordingProxySettings> = {}): Promise<RecordingProxy> {
  const proxy = await createRecordingProxy({ ...baseSettings(), ...extra });
  proxies.push(proxy);
  return proxy;
}

test('a CONNECT followed by silence (no ClientHello, no request) is closed within idleTimeoutMs and frees its client slot', async () => {
  const proxy = await start({ limits: { idleTimeoutMs: 500 } });
  for (const target of ['localhost:443', '127.0.0.1:443']) {
    const tunnel = await openTunnel(proxy.port, target);
    expect(tunnel.status).toBe(200);
    const closed = await new Promise<boolean>((resolve) => {
      tunnel.socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3000).unref();
    });
    tunnel.socket.destroy();
    expect(closed).toBe(true);
  }
  await waitFor(() => proxy.stats().clients.active === 0 && proxy.stats().tunnels.open === 0);
  expect(proxy.stats().tunnels.failedHandshakes).toBe(2);
});

test('reload() with input that is not an object, or with unknown keys, is refused and auth stays on', async () => {
  const proxy = await start({ auth: { users: [{ username: 'u', password: 'secret' }] } });
  const garbage: unknown[] = [42, 'auth', null, [], true, { users: [{ username: 'u', password: 'x' }] }, { auth: { users: [{ username: 'v', password: 'w' }] }, limit: {} }];
  for (const input of garbage) {
    const result = proxy.reload(input as Parameters<RecordingProxy['reload']>[0]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(RecordingProxyError);
    expect(!result.ok && result.error.code).toBe('ERR_RECORD_PROXY_CONFIG');
    // Still guarded: the stats endpoint wants credentials.
    expect((await request(`${proxy.url}/stats`)).status).toBe(401);
  }
});

test('a logger, metrics registry or count of the wrong shape is a typed error naming the field, not a TypeError', async () => {
  const cases: Array<[Partial<Record<keyof RecordingProxySettings, unknown>>, string]> = [
    [{ maxCachedLeaves: 0 }, 'maxCachedLeaves'],
    [{ maxCachedLeaves: '100' }, 'maxCachedLeaves'],
    [{ maxCachedLeaves: 1.5 }, 'maxCachedLeaves'],
    [{ maxWarcPrefixes: -1 }, 'maxWarcPrefixes'],
    [{ logger: 'console' }, 'logger'],
    [{ logger: {} }, 'logger'],
    [{ logger: { info: () => undefined } }, 'logger'],
    [{ metrics: 'prom' }, 'metrics'],
    [{ metrics: { counter: () => undefined } }, 'metrics'],
  ];
  for (const [extra, field] of cases) {
    const started = createRecordingProxy({ ...baseSettings(), ...extra } as RecordingProxySettings);
    await expect(started).rejects.toBeInstanceOf(RecordingProxyError);
    await expect(started).rejects.toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field });
  }
});

test('a Host header naming another origin cannot forge the record: absolute-form sends the URL\'s host, a tunnel answers 421', async () => {
  const proxy = await start();
  const out = join(root, 'warcs');
  const authority = `127.0.0.1:${origin.port}`;
  // Absolute-form: the URL decides, and the origin is sent the URL's host (RFC 9112 3.2.2).
  const plain = net.connect(proxy.port, '127.0.0.1');
  const absolute = await exchangeRaw(`GET http://${authority}/absolute HTTP/1.1\r\nHost: bank.example\r\nConnection: close\r\n\r\n`, plain);
  expect(absolute).toMatch(/^HTTP\/1\.1 200 /);
  expect(origin.only('/absolute').head).toMatch(new RegExp(`\r\nhost: ${authority}\r\n`, 'i'));
  expect(origin.only('/absolute').head).not.toMatch(/bank\.example/);
  // Inside a tunnel to the origin: a request for another host is misdirected, and never sent.
  const tunnel = await openTunnel(proxy.port, authority);
  const forged = await exchangeRaw(`GET /forged HTTP/1.1\r\nHost: bank.example\r\nConnection: close\r\n\r\n`, tunnel.socket);
  expect(forged).toMatch(/^HTTP\/1\.1 421 /);
  expect(forged).toMatch(/bank\.example/);
  expect(origin.requests.has('/forged')).toBe(false);
  // The tunnel's own authority, in any case, passes.
  const honest = await openTunnel(proxy.port, authority);
  const same = await exchangeRaw(`GET /honest HTTP/1.1\r\nHost: ${authority.toUpperCase()}\r\nConnection: close\r\n\r\n`, honest.socket);
  expect(same).toMatch(/^HTTP\/1\.1 200 /);
  await proxy.close();
  expect(openFiles(out)).toEqual([]);
  const uris = warcioRecords(out).filter((r) => r.type === 'response').map((r) => r.targetUri).sort();
  expect(uris).toEqual([`http://${authority}/absolute`, `http://${authority}/honest`]);
});

test('an SNI naming another host does not choose the certificate: the leaf always names the CONNECT host, which is where the request goes', async () => {
  const proxy = await start();
  for (const servername of ['bank.example', 'other.test']) {
    const tunnel = await openTunnel(proxy.port, `localhost:${origin.port}`);
    const secure = tls.connect({ socket: tunnel.socket, servername, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    expect(secure.getPeerCertificate().subjectaltname).toBe('DNS:localhost');
    secure.destroy();
  }
  expect(proxy.issuer.issued).toBe(1);
});

test('an absolute-form URL with port 0 is a 400, not a request to port 80', async () => {
  const proxy = await start();
  const answer = await exchangeRaw(`GET http://127.0.0.1:0/zero HTTP/1.1\r\nHost: 127.0.0.1:0\r\nConnection: close\r\n\r\n`, net.connect(proxy.port, '127.0.0.1'));
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(proxy.stats().exchanges.failed).toBe(0);
});

test('a CA source naming both a directory and files is refused, not resolved by quietly using the directory', async () => {
  const dir = join(root, 'generated-ca');
  const both = createRecordingProxy({ ...baseSettings(), ca: { dir, certFile: join(root, 'mine.pem'), keyFile: join(root, 'mine.key') } as unknown as RecordingProxySettings['ca'] });
  await expect(both).rejects.toBeInstanceOf(CertificateError);
  await expect(both).rejects.toMatchObject({ code: 'ERR_CA_FILE', message: expect.stringMatching(/not both/) });
  expect(existsSync(dir)).toBe(false);
});

test('a misspelt setting is refused naming it, so a typo of auth cannot leave the proxy open', async () => {
  const users = [{ username: 'u', password: 'p' }];
  for (const [extra, field] of [[{ Auth: { users } }, 'Auth'], [{ limit: { maxClients: 1 } }, 'limit']] as const) {
    const started = createRecordingProxy({ ...baseSettings(), ...extra } as RecordingProxySettings);
    await expect(started).rejects.toBeInstanceOf(RecordingProxyError);
    await expect(started).rejects.toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field, message: expect.stringMatching(/unknown setting/) });
  }
});

test('a LeafIssuer made with something other than a CertificateAuthority is refused at once, with a code', async () => {
  const ca = await loadCertificateAuthority({ dir: join(root, 'ca') });
  for (const garbage of [null, undefined, {}, 'ca.pem', { ...ca }]) {
    expect(() => new LeafIssuer(garbage as unknown as CertificateAuthority)).toThrow(expect.objectContaining({ code: 'ERR_ISSUER_OPTIONS', message: expect.stringMatching(/CertificateAuthority/) }));
  }
  expect(new LeafIssuer(ca).issued).toBe(0);
});

/** A raw origin answering every request with 103 Early Hints, then `final`. */
async function earlyHintsOrigin(final: string): Promise<net.Server> {
  const early = net.createServer((socket) => {
    socket.once('data', () => socket.write(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${final}`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
  return early;
}

test('an origin that sends 103 Early Hints before its answer: the browser gets the final response, the record has both heads', async () => {
  const early = await earlyHintsOrigin('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  try {
    const proxy = await start();
    const port = (early.address() as net.AddressInfo).port;
    const answer = await exchangeRaw(`GET http://127.0.0.1:${port}/hints HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, net.connect(proxy.port, '127.0.0.1'));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith('\r\n\r\nok')).toBe(true);
    await waitFor(() => proxy.stats().exchanges.recorded === 1);
    await proxy.close();
    const [response] = warcioRecords(join(root, 'warcs')).filter((r) => r.type === 'response');
    expect(response?.blockLength).toBe(Buffer.byteLength('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
  } finally {
    early.close();
  }
});

test('103 Early Hints before a WebSocket 101: the browser gets the 101 head only', async () => {
  const early = await earlyHintsOrigin('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n');
  try {
    const proxy = await start();
    const port = (early.address() as net.AddressInfo).port;
    const browser = net.connect(proxy.port, '127.0.0.1');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      browser.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      browser.write(`GET http://127.0.0.1:${port}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    browser.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 101 /);
  } finally {
    early.close();
  }
});

test('a CONNECT host that is no valid host (a forbidden character, an IPv4-like name out of range) is a 400 at the CONNECT, not a 500 later', async () => {
  const errors: string[] = [];
  const proxy = await start({ logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (_f: object, msg: string) => void errors.push(msg) } });
  for (const authority of ['a^b:80', '999.1.1.1:80', 'a<b>:80']) {
    const request = `GET / HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`;
    const answer = await exchangeRaw(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n${request}`, net.connect(proxy.port, '127.0.0.1'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 [^]*CONNECT needs host:port/);
  }
  expect(errors).toEqual([]);
});
