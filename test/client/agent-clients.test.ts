/**
 * got 14, axios 1, node-fetch 3 and node:https through client.httpAgent /
 * httpsAgent / agents(options), each in a child node on the built dist/ (got
 * and node-fetch are ESM-only), against loopback origins that log the bytes
 * they sent; the WARC files are read back with warcio.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { base32Encode } from '../../src/digest/base32';
import { AGENT_CLIENTS, runAgentDriver, type DriverRequest } from '../helpers/agent-clients';
import { largeBody, patternBytes, startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { startMicrosocks, startTinyproxy, type ProxyDaemon } from '../helpers/net-proxies';
import { testCertificate } from '../helpers/tls-cert';
import { warcioRead, type WarcioRecord } from '../helpers/warc-tools';

jest.setTimeout(60_000);

/** sha1 as warcio-read.mjs prints it. */
const sha1 = (bytes: Buffer): string => `sha1:${base32Encode(createHash('sha1').update(bytes).digest())}`;

const N = 20;
const BIG = 64 * 1024 * 1024;

/** Path i answers in one of a few framings: Content-Length, chunked, gzip-encoded, a 404. */
function answer(path: string, res: import('node:http').ServerResponse): void {
  const i = Number(/\d+/.exec(path)?.[0] ?? 0);
  const body = patternBytes(500 + i * 97, i);
  if (i % 4 === 1) {
    res.write(body.subarray(0, 100));
    res.end(body.subarray(100));
  } else if (i % 4 === 2) {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' });
    res.end(gzipSync(body));
  } else if (i % 4 === 3 && i > 10) {
    res.writeHead(404, { 'content-length': '9' });
    res.end('not found');
  } else {
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  }
}

let httpOrigin: LoggingOrigin;
let httpsOrigin: LoggingOrigin;
let microsocks: ProxyDaemon;
let tinyproxy: ProxyDaemon;
let dir: string;

beforeAll(async () => {
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    if (req.url!.endsWith('/big')) largeBody(BIG)(req, res);
    else if (req.url!.endsWith('/stall')) {
      // Part of the body, then silence.
      res.writeHead(200, { 'content-length': String(BIG) });
      res.write(patternBytes(100_000));
    }
    else answer(req.url!, res);
  };
  [httpOrigin, httpsOrigin, microsocks, tinyproxy] = await Promise.all([
    startLoggingOrigin('http', handler),
    startLoggingOrigin('https', handler),
    startMicrosocks(),
    startTinyproxy(),
  ]);
});

afterAll(async () => {
  await Promise.all([httpOrigin?.close(), httpsOrigin?.close(), microsocks?.stop(), tinyproxy?.stop()]);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-agents-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function records(): WarcioRecord[] {
  const files = readdirSync(dir).filter((f) => /\.warc(\.gz)?$/.test(f));
  expect(readdirSync(dir).filter((f) => f.endsWith('.open'))).toEqual([]);
  return files.flatMap((f) => warcioRead(join(dir, f)));
}

const pathOf = (r: WarcioRecord): string => new URL(r.targetUri!).pathname;
const trusted = { ca: testCertificate().cert };

describe.each(AGENT_CLIENTS)('%s through the agents', (client) => {
  // Paths unique to this client, so the origins' logs of different clients never mix.
  const p = (name: string): string => `/${client}/${name}`;

  test(`${N} sequential requests per origin: byte-exact response blocks, request records as received, kept-alive connections`, async () => {
    const before = { http: httpOrigin.connections(), https: httpsOrigin.connections() };
    const requests: DriverRequest[] = [];
    for (const origin of [httpOrigin, httpsOrigin]) {
      for (let i = 0; i < N; i++) requests.push({ url: `${origin.url}${p(`r${i}`)}` });
      requests.push({ url: `${origin.url}${p('post')}`, method: 'POST', body: `posted by ${client}` });
    }
    const out = await runAgentDriver({ client, settings: { writer: { directory: dir }, tls: trusted }, agents: ['default'], requests });
    expect(out.results.filter((r) => r.error !== undefined)).toEqual([]);
    expect(out.stats).toMatchObject({ written: 2 * (N + 1), failed: 0, truncated: 0 });
    // N + 1 requests each, one after the other: the agent kept one connection per origin.
    expect(httpOrigin.connections() - before.http).toBe(1);
    expect(httpsOrigin.connections() - before.https).toBe(1);

    const recs = records();
    const responses = recs.filter((r) => r.type === 'response');
    expect(responses).toHaveLength(2 * (N + 1));
    for (const response of responses) {
      const origin = response.targetUri!.startsWith('https:') ? httpsOrigin : httpOrigin;
      const logged = origin.only(pathOf(response));
      expect(response.sha1).toBe(sha1(Buffer.concat(logged.sent)));
      expect(response.blockLength).toBe(Buffer.concat(logged.sent).length);
      expect(response.ipAddress).toBe('127.0.0.1');
      const request = recs.find((r) => r.type === 'request' && r.concurrentTo === response.id)!;
      expect(request.targetUri).toBe(response.targetUri);
      expect(request.sha1).toBe(sha1(Buffer.concat([Buffer.from(logged.head, 'latin1'), logged.body])));
    }
    // The callers got their bodies as usual (got, axios and node-fetch decode gzip; node:https does not).
    for (const r of out.results.filter((x) => /\/r\d+$/.test(x.url))) {
      const i = Number(/(\d+)$/.exec(r.url)![1]);
      const body = patternBytes(500 + i * 97, i);
      const expected = i % 4 === 3 && i > 10 ? Buffer.from('not found') : i % 4 === 2 && client === 'https' ? gzipSync(body) : body;
      expect([r.url, r.sha1]).toEqual([r.url, createHash('sha1').update(expected).digest('hex')]);
    }
    const posted = httpOrigin.only(p('post'));
    expect(posted.body.toString()).toBe(`posted by ${client}`);
  });

  test('per-session proxies (microsocks, tinyproxy) never share a socket; direct sessions keep WARC-IP-Address', async () => {
    const socksBefore = microsocks.log().split(`connected to 127.0.0.1:${httpsOrigin.port}`).length;
    const tinyBefore = tinyproxy.log().split(`127.0.0.1:${httpsOrigin.port}`).length;
    const requests: DriverRequest[] = [];
    for (let i = 0; i < 3; i++) {
      for (const session of [0, 1, 2]) {
        for (const origin of [httpOrigin, httpsOrigin]) requests.push({ url: `${origin.url}${p(`s${session}-${i}`)}`, session });
      }
    }
    const out = await runAgentDriver({
      client,
      settings: { writer: { directory: dir }, tls: trusted },
      agents: [{ proxy: microsocks.url('socks5') }, { proxy: tinyproxy.url('http') }, { proxy: null }],
      requests,
    });
    expect(out.results.filter((r) => r.status !== 200)).toEqual([]);
    // Each proxy tunnelled its session's connections to the https origin (kept alive: at least one).
    expect(microsocks.log().split(`connected to 127.0.0.1:${httpsOrigin.port}`).length).toBeGreaterThan(socksBefore);
    expect(tinyproxy.log().split(`127.0.0.1:${httpsOrigin.port}`).length).toBeGreaterThan(tinyBefore);
    const recs = records();
    for (const r of recs.filter((x) => x.type === 'response' || x.type === 'request')) {
      const session = Number(/\/s(\d)-/.exec(pathOf(r))![1]);
      expect([session, r.ipAddress]).toEqual([session, session === 2 ? '127.0.0.1' : null]);
    }
    expect(out.written).toHaveLength(requests.length);
    for (const w of out.written) {
      expect(w.error).toBeUndefined();
      expect(new URL(w.url!).pathname).toBe(w.path);
      expect(w.path).toContain(`/s${w.session}-`);
    }
  });

  test('TLS: a self-signed origin fails by default (ERR_TLS_HANDSHAKE, nothing written); verify off per agent, or per request where the client has the option', async () => {
    const requests: DriverRequest[] = [
      { url: `${httpsOrigin.url}${p('v-default')}`, session: 0 },
      { url: `${httpsOrigin.url}${p('v-agent')}`, session: 1 },
    ];
    const perRequest = client === 'https' || client === 'got';
    if (perRequest) requests.push({ url: `${httpsOrigin.url}${p('v-request')}`, session: 0, rejectUnauthorized: false });
    const out = await runAgentDriver({ client, settings: { writer: { directory: dir } }, agents: [{}, { tls: { verify: false } }], requests });
    const [failed, ...passed] = out.results;
    expect([failed!.error?.code, failed!.error?.causeCode]).toContain('ERR_TLS_HANDSHAKE');
    expect(passed.map((r) => r.status)).toEqual(perRequest ? [200, 200] : [200]);
    const byPath = new Map(out.written.map((w) => [w.path, w]));
    expect(byPath.get(p('v-default'))!.error!.code).toBe('ERR_TLS_HANDSHAKE');
    expect(byPath.get(p('v-agent'))!.status).toBe(200);
    expect(httpsOrigin.requests.has(p('v-default'))).toBe(false);
    expect(records().filter((r) => r.type === 'response').map(pathOf).sort()).toEqual(passed.map((r) => new URL(r.url).pathname).sort());
  });

  test('abort mid-body: the exchange is recorded truncated (length) with a prefix of the bytes sent, and the download stops', async () => {
    const path = p('big');
    const out = await runAgentDriver({
      client,
      settings: { writer: { directory: dir } },
      agents: [{}],
      requests: [
        { url: `${httpOrigin.url}${path}`, abortAfter: 256 * 1024 },
        // The session goes on after the abort, on a new connection.
        { url: `${httpOrigin.url}${p('after-abort')}` },
      ],
    });
    expect(out.results[0]).toMatchObject({ status: 200, aborted: true });
    expect(out.results[1]).toMatchObject({ status: 200, aborted: false });
    expect(out.written.find((w) => w.path === path)).toMatchObject({ status: 200, truncated: 'length' });
    const sent = Buffer.concat(httpOrigin.only(path).sent);
    // The server wrote only as fast as the socket drained: far less than the body once the caller let go.
    expect(sent.length).toBeLessThan(BIG / 4);
    const response = records().find((r) => r.type === 'response' && pathOf(r) === path)!;
    expect(response.truncated).toBe('length');
    expect(response.blockLength).toBeGreaterThan(256 * 1024);
    expect(response.sha1).toBe(sha1(sent.subarray(0, response.blockLength)));
  });
});

test.each([
  ['got', "its TimeoutError has code ETIMEDOUT"],
  ['axios', 'an idle timeout of the socket, which follow-redirects destroys: not the server disconnecting'],
] as const)("%s's own timeout mid-body is recorded WARC-Truncated: time (%s)", async (client, _why) => {
  const path = `/${client}/stall`;
  const out = await runAgentDriver({
    client,
    settings: { writer: { directory: dir } },
    agents: [{}],
    requests: [{ url: `${httpOrigin.url}${path}`, timeoutMs: 500 }],
  });
  expect(out.results[0]!.error).toBeDefined();
  expect(out.written[0]).toMatchObject({ status: 200, truncated: 'time' });
  const response = records().find((r) => r.type === 'response')!;
  expect(response.truncated).toBe('time');
  expect(response.sha1).toBe(sha1(Buffer.concat(httpOrigin.only(path).sent)));
});
