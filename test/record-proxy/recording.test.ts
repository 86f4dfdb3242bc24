/**
 * The recording proxy end to end: node https clients through CONNECT tunnels
 * (TLS to the proxy's leaf certificates) and curl, loopback origins that log
 * the bytes they sent and received; the WARC files read back with warcio and
 * the project's reader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import net from 'node:net';
import { once } from 'node:events';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { largeBody, patternBytes, startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { curl, openTunnel } from '../helpers/proxy-clients';
import { headerValues, openFiles, ownRecords, request, sha1, tunnelAgent, warcioRecords } from '../helpers/record-proxy';
import { testCertificate } from '../helpers/tls-cert';

jest.setTimeout(60_000);

const LARGE = 8 * 1024 * 1024;

function answer(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  if (path.startsWith('/chunked')) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(patternBytes(3000, 1));
    res.end(patternBytes(5000, 2));
  } else if (path.startsWith('/gzip')) {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    res.end(gzipSync(patternBytes(20_000, 3)));
  } else if (path.startsWith('/large')) {
    largeBody(LARGE)(req, res);
  } else if (path.startsWith('/slow')) {
    // Half the body now, the rest a little later: still in flight when close() is called.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 20_000 });
    res.write(patternBytes(10_000, 4));
    setTimeout(() => res.end(patternBytes(10_000, 5)), 300);
  } else if (path.startsWith('/post')) {
    // The logging origin has read the body by now (it is in its log).
    res.writeHead(201, 'Made', { 'content-type': 'text/plain' }).end(`posted to ${path}\n`);
  } else {
    const body = Buffer.from(`page ${path}\n`);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'set-cookie': ['a=1', 'b=2'] });
    res.end(body);
  }
}

let origin: LoggingOrigin;
let plainOrigin: LoggingOrigin;
let root: string;
let out: string;
let proxy: RecordingProxy;

beforeAll(async () => {
  [origin, plainOrigin] = await Promise.all([startLoggingOrigin('https', answer), startLoggingOrigin('http', answer)]);
});
afterAll(async () => {
  await Promise.all([origin?.close(), plainOrigin?.close()]);
});

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-'));
  out = join(root, 'warcs');
  proxy = await createRecordingProxy({
    listen: '127.0.0.1:0',
    ca: { dir: join(root, 'ca') },
    // The origins' certificate is trusted as a CA: upstream TLS stays verified.
    client: { writer: { directory: out, prefix: 'rec' }, tls: { ca: testCertificate().cert } },
  });
});
afterEach(async () => {
  await proxy.close();
  rmSync(root, { recursive: true, force: true });
});

const pathOf = (uri: string | null): string => new URL(uri!).pathname + new URL(uri!).search;

/** Every response record equals the bytes the origin sent, every request record the head and body it received. */
function expectFaithful(logging: LoggingOrigin, expectIp = true): void {
  expect(openFiles(out)).toEqual([]);
  const records = warcioRecords(out).filter((r) => r.type === 'response' || r.type === 'request');
  const responses = records.filter((r) => r.type === 'response');
  for (const response of responses) {
    const logged = logging.only(pathOf(response.targetUri));
    expect(response.sha1).toBe(sha1(Buffer.concat(logged.sent)));
    expect(response.ipAddress).toBe(expectIp ? '127.0.0.1' : null);
    const req = records.find((r) => r.type === 'request' && r.concurrentTo === response.id)!;
    expect(req.targetUri).toBe(response.targetUri);
    expect(req.sha1).toBe(sha1(Buffer.concat([Buffer.from(logged.head, 'latin1'), logged.body])));
  }
  expect(records.filter((r) => r.type === 'request')).toHaveLength(responses.length);
}

test('https through a CONNECT tunnel: byte-exact records, the upstream TLS facts, keep-alive on both sides, one leaf', async () => {
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const before = origin.connections();
  const paths = ['/a', '/b?x=1', '/chunked', '/gzip', '/a2'];
  const got = [];
  for (const path of paths) got.push(await request(`https://localhost:${origin.port}${path}`, { agent }));
  agent.destroy();
  expect(got.map((g) => g.status)).toEqual([200, 200, 200, 200, 200]);
  expect(got[0]!.body.toString()).toBe('page /a\n');
  // The origin's end-to-end headers as sent, repeats and order kept (no Date of the proxy's own); then the browser side's own hop-by-hop ones.
  const sentHead = Buffer.concat(origin.only('/a').sent).toString('latin1').split('\r\n\r\n')[0]!;
  const originNames = sentHead.split('\r\n').slice(1).map((line) => line.split(':')[0]!);
  expect(originNames).toEqual(['content-type', 'content-length', 'set-cookie', 'set-cookie', 'Date', 'Connection', 'Keep-Alive']);
  expect(got[0]!.rawHeaders.filter((_, i) => i % 2 === 0)).toEqual([...originNames.slice(0, 5), 'Connection', 'Keep-Alive']);
  expect(got[0]!.headers.date).toBe(/\r\nDate: ([^\r]+)/.exec(sentHead)![1]);
  expect(got[2]!.body).toEqual(Buffer.concat([patternBytes(3000, 1), patternBytes(5000, 2)]));
  // gzip is relayed as sent, not decoded.
  expect(got[3]!.headers['content-encoding']).toBe('gzip');
  expect(got[3]!.body).toEqual(gzipSync(patternBytes(20_000, 3)));
  // One tunnel from the browser side, one connection on the origin side.
  expect(agent.tunnels()).toBe(1);
  expect(origin.connections() - before).toBe(1);
  expect(proxy.issuer.issued).toBe(1);
  await proxy.close();

  expectFaithful(origin);
  const own = (await ownRecords(out)).filter((r) => r.type === 'response');
  expect(own).toHaveLength(paths.length);
  for (const r of own) {
    expect(headerValues(r, 'WARC-Protocol')).toEqual(['http/1.1', 'tls/1.3']);
    expect(headerValues(r, 'WARC-Cipher-Suite')[0]).toMatch(/^TLS_/);
  }
  const stats = proxy.stats();
  expect(stats.tunnels).toMatchObject({ opened: 1, tls: 1, failedHandshakes: 0 });
  expect(stats.exchanges).toMatchObject({ recorded: paths.length, failed: 0, discarded: 0 });
  expect(stats.exchanges.bytes.down).toBe(got.reduce((n, g) => n + g.body.length, 0));
});

test('POST bodies with Content-Length and chunked reach the origin and the request records as sent upstream', async () => {
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const fixed = patternBytes(70_000, 7);
  const a = await request(`https://localhost:${origin.port}/post-fixed`, { agent, method: 'POST', headers: { 'content-length': fixed.length }, body: fixed });
  const pieces = [patternBytes(1000, 8), patternBytes(40_000, 9), patternBytes(5, 10)];
  const b = await request(`https://localhost:${origin.port}/post-chunked`, { agent, method: 'POST', body: pieces });
  agent.destroy();
  expect([a.status, a.statusMessage, b.status]).toEqual([201, 'Made', 201]);
  expect(a.body.toString()).toBe('posted to /post-fixed\n');
  expect(origin.only('/post-fixed').body).toEqual(fixed);
  expect(origin.only('/post-chunked').body).toEqual(Buffer.concat(pieces));
  await proxy.close();
  const records = warcioRecords(out);
  const fixedRequest = records.find((r) => r.type === 'request' && r.targetUri!.endsWith('/post-fixed'))!;
  const logged = origin.only('/post-fixed');
  expect(fixedRequest.sha1).toBe(sha1(Buffer.concat([Buffer.from(logged.head, 'latin1'), logged.body])));
  // The chunked one went upstream chunked: its record holds the head the origin got and the framed body.
  const chunkedRequest = (await ownRecords(out)).find((r) => r.type === 'request' && headerValues(r, 'WARC-Target-URI')[0]!.endsWith('/post-chunked'))!;
  const head = origin.only('/post-chunked').head;
  expect(chunkedRequest.block.subarray(0, head.length).toString('latin1')).toBe(head);
  expect(head).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
  for (const response of records.filter((r) => r.type === 'response')) {
    expect(response.sha1).toBe(sha1(Buffer.concat(origin.only(pathOf(response.targetUri)).sent)));
  }
});

test('absolute-form plain http and curl through a tunnel with the CA file', async () => {
  const caFile = join(root, 'ca', 'warcwire-ca.pem');
  const plain = await curl(['--proxy', proxy.url, `http://127.0.0.1:${plainOrigin.port}/plain?q=1`]);
  expect(plain).toMatchObject({ code: 0, stdout: 'page /plain?q=1\n' });
  const secure = await curl(['--proxy', proxy.url, '--cacert', caFile, `https://localhost:${origin.port}/curl`]);
  expect(secure).toMatchObject({ code: 0, stdout: 'page /curl\n' });
  // An IP literal: no SNI, the certificate is the CONNECT host's.
  const ip = await curl(['--proxy', proxy.url, '--cacert', caFile, `https://127.0.0.1:${origin.port}/by-ip`]);
  expect(ip).toMatchObject({ code: 0, stdout: 'page /by-ip\n' });
  expect(proxy.issuer.issued).toBe(2);
  // Expect: 100-continue is answered by the proxy's own server (curl, told to wait 10 s for it, would wait that long); undici sends no Expect upstream.
  const upload = patternBytes(5000, 11).toString('base64');
  const started = Date.now();
  const posted = await curl(['--proxy', proxy.url, '--cacert', caFile, '--data-binary', upload, '-H', 'Content-Type: text/plain', '-H', 'Expect: 100-continue', '--expect100-timeout', '10', `https://localhost:${origin.port}/post-curl`]);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(posted).toMatchObject({ code: 0, stdout: 'posted to /post-curl\n' });
  expect(origin.only('/post-curl').body.toString()).toBe(upload);
  expect(origin.only('/post-curl').head).not.toMatch(/expect/i);
  await proxy.close();
  const uris = warcioRecords(out).filter((r) => r.type === 'response').map((r) => r.targetUri).sort();
  expect(uris).toEqual([
    `http://127.0.0.1:${plainOrigin.port}/plain?q=1`,
    `https://127.0.0.1:${origin.port}/by-ip`,
    `https://localhost:${origin.port}/curl`,
    `https://localhost:${origin.port}/post-curl`,
  ]);
  const plainResponse = warcioRecords(out).find((r) => r.type === 'response' && r.targetUri!.startsWith('http:'))!;
  expect(plainResponse.sha1).toBe(sha1(Buffer.concat(plainOrigin.only('/plain?q=1').sent)));
});

test('pipelined requests inside a tunnel are answered in order and recorded once each', async () => {
  const { socket } = await openTunnel(proxy.port, `localhost:${origin.port}`);
  const secure = tls.connect({ socket, ca: proxy.ca.certPem, servername: 'localhost' });
  await new Promise((resolve) => secure.once('secureConnect', resolve));
  const heads = ['/p1', '/p2', '/p3'].map((p) => `GET ${p} HTTP/1.1\r\nHost: localhost:${origin.port}\r\n\r\n`);
  let text = '';
  secure.on('data', (d: Buffer) => (text += d.toString('latin1')));
  secure.write(heads.join(''));
  await new Promise<void>((resolve) => {
    const check = (): void => (/page \/p3\n/.test(text) ? resolve() : void setTimeout(check, 10));
    check();
  });
  secure.destroy();
  const bodies = [...text.matchAll(/page (\/p\d)\n/g)].map((m) => m[1]);
  expect(bodies).toEqual(['/p1', '/p2', '/p3']);
  await proxy.close();
  const responses = warcioRecords(out).filter((r) => r.type === 'response');
  expect(responses.map((r) => pathOf(r.targetUri)).sort()).toEqual(['/p1', '/p2', '/p3']);
  expectFaithful(origin);
});

test('close() lets an exchange in flight finish and be written, then closes every file', async () => {
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  // A browser connection made before close() that sends its CONNECT during it.
  const early = net.connect(proxy.port, '127.0.0.1');
  await once(early, 'connect');
  let earlyAnswer = '';
  early.on('data', (d: Buffer) => (earlyAnswer += d.toString('latin1')));
  const earlyEnded = once(early, 'close');
  const got = new Promise<Buffer>((resolve, reject) => {
    https
      .get(`https://localhost:${origin.port}/slow`, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (chunks.length === 1) {
            closed = proxy.close();
            early.write(`CONNECT localhost:${origin.port} HTTP/1.1\r\nHost: localhost:${origin.port}\r\n\r\n`);
          }
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  let closed: Promise<void> | undefined;
  expect(await got).toEqual(Buffer.concat([patternBytes(10_000, 4), patternBytes(10_000, 5)]));
  await closed;
  await earlyEnded;
  expect(earlyAnswer).toMatch(/^HTTP\/1\.1 503 [^\r]*\r\n[\s\S]*\r\n\r\nthe proxy is shutting down\n$/);
  agent.destroy();
  expect(openFiles(out)).toEqual([]);
  const responses = warcioRecords(out).filter((r) => r.type === 'response');
  expect(responses.map((r) => pathOf(r.targetUri))).toEqual(['/slow']);
  expect(responses[0]!.sha1).toBe(sha1(Buffer.concat(origin.only('/slow').sent)));
  expect(responses[0]!.truncated).toBeNull();
  // New connections are refused once closing.
  await expect(request(`https://localhost:${origin.port}/late`, { agent: tunnelAgent(proxy.port, proxy.ca.certPem) })).rejects.toThrow();
});

test('a large body to a browser that stops reading for a while arrives whole, and is recorded as sent', async () => {
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const body = await new Promise<Buffer>((resolve, reject) => {
    https
      .get(`https://localhost:${origin.port}/large`, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.once('data', () => {
          // The browser side's buffers fill; the relay pauses the upstream read until they drain.
          res.pause();
          setTimeout(() => res.resume(), 300);
        });
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  agent.destroy();
  expect(body.length).toBe(LARGE);
  expect(body.equals(patternBytes(LARGE))).toBe(true);
  await proxy.close();
  const response = warcioRecords(out).find((r) => r.type === 'response')!;
  expect(response.sha1).toBe(sha1(Buffer.concat(origin.only('/large').sent)));
  expect(response.truncated).toBeNull();
  expect(proxy.stats().exchanges.bytes.down).toBe(LARGE);
});

test('an IPv6 literal target: CONNECT [::1]:port, the leaf is for the address (no SNI), WARC-IP-Address ::1', async () => {
  const v6 = https.createServer(testCertificate(), (req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`v6 ${req.url}`));
  await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
  const port = (v6.address() as import('node:net').AddressInfo).port;
  try {
    const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
    const got = await request(`https://[::1]:${port}/six`, { agent });
    agent.destroy();
    expect([got.status, got.body.toString()]).toEqual([200, 'v6 /six']);
    expect(proxy.issuer.issued).toBe(1);
    await proxy.close();
  } finally {
    v6.closeAllConnections();
    await new Promise((resolve) => v6.close(resolve));
  }
  const response = warcioRecords(out).find((r) => r.type === 'response')!;
  expect(response.targetUri).toBe(`https://[::1]:${port}/six`);
  expect(response.ipAddress).toBe('::1');
});
