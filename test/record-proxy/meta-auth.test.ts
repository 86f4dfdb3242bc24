/**
 * The recording proxy's controls: Warcwire-Meta (a prefix's own files, tags
 * in stats, dedupe buckets, refusals), proxy auth (407, endpoints, reload),
 * the open-relay guard and setting errors.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { createRecordingProxy, RecordingProxyError, type RecordingProxy, type RecordingProxySettings } from '../../src/record-proxy';
import { patternBytes, startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { basic, openTunnel } from '../helpers/proxy-clients';
import { request, tunnelAgent, waitFor, warcFiles, warcioRecords } from '../helpers/record-proxy';
import { warcioRead } from '../helpers/warc-tools';
import { testCertificate } from '../helpers/tls-cert';

jest.setTimeout(60_000);

const BODY = patternBytes(4096, 5);
/** Answers of /hold requests, sent when a test calls them. */
const held: Array<() => void> = [];
let origin: LoggingOrigin;
let root: string;
let out: string;
const proxies: RecordingProxy[] = [];

beforeAll(async () => {
  origin = await startLoggingOrigin('https', (req, res) => {
    const send = (): void => void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length }).end(BODY);
    if (req.url === '/hold') held.push(send);
    else send();
  });
});
afterAll(() => origin?.close());
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-'));
  out = join(root, 'warcs');
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  rmSync(root, { recursive: true, force: true });
});

async function start(extra: Partial<RecordingProxySettings> = {}, client: Partial<RecordingProxySettings['client']> = {}): Promise<RecordingProxy> {
  const proxy = await createRecordingProxy({
    listen: '127.0.0.1:0',
    ca: { dir: join(root, 'ca') },
    client: { writer: { directory: out, prefix: 'main' }, tls: { ca: testCertificate().cert }, ...client },
    ...extra,
  });
  proxies.push(proxy);
  return proxy;
}

const meta = (value: object): string => JSON.stringify(value);
const url = (path: string): string => `https://localhost:${origin.port}${path}`;

test('Warcwire-Meta: a tunnel default and per-request overrides; a warcPrefix gets its own files; tags are counted; the header never goes upstream', async () => {
  const proxy = await start();
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem, { connectHeaders: { 'Warcwire-Meta': meta({ warcPrefix: 'crawl-a', tags: ['site'] }) } });
  await request(url('/m1'), { agent });
  await request(url('/m2'), { agent, headers: { 'Warcwire-Meta': meta({ tags: ['site', 'images'] }) } });
  await request(url('/m3'), { agent, headers: { 'warcwire-meta': meta({ warcPrefix: 'crawl-b' }) } });
  agent.destroy();
  for (const path of ['/m1', '/m2', '/m3']) expect(origin.only(path).head).not.toMatch(/warcwire-meta/i);
  await proxy.close();
  const files = warcFiles(out);
  expect(files.map((f) => f.split('-')[0] === 'crawl' ? f.split('-').slice(0, 2).join('-') : f.split('-')[0])).toEqual(['crawl-a', 'crawl-b']);
  const uris = (f: string): string[] => warcioRead(join(out, f)).filter((r) => r.type === 'response').map((r) => new URL(r.targetUri!).pathname);
  expect(uris(files[0]!)).toEqual(['/m1', '/m2']);
  expect(uris(files[1]!)).toEqual(['/m3']);
  const stats = proxy.stats();
  expect(stats.prefixes['crawl-a']).toMatchObject({ recorded: 2 });
  expect(stats.prefixes['crawl-b']).toMatchObject({ recorded: 1 });
  expect(stats.tags.site).toMatchObject({ recorded: 3, bytes: { up: 0, down: 3 * BODY.length } });
  expect(stats.tags.images).toMatchObject({ recorded: 1 });
  // The request's tags replace the tunnel's; crawl-b's request kept the tunnel's tags.
  expect(Object.keys(stats.tags).sort()).toEqual(['images', 'site']);
  expect(proxy.metrics()).toMatch(/warcwire_record_proxy_tag_exchanges_total\{tag="site",outcome="recorded"\} 3/);
});

test('bad Warcwire-Meta is a 400 naming the problem, and nothing goes upstream', async () => {
  const proxy = await start({ maxWarcPrefixes: 1 });
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const cases: Array<[string, RegExp]> = [
    ['{not json', /not valid JSON/],
    [meta({ warcPrefix: 'x', color: 'red' }), /unknown key "color"/],
    [meta({ warcPrefix: '../up' }), /warcPrefix must be/],
    [meta({ tags: 'one' }), /tags must be an array/],
    [meta({ dedupeBucket: '' }), /dedupeBucket must be a non-empty string/],
    ['[1]', /must be a JSON object/],
  ];
  for (const [value, message] of cases) {
    const got = await request(url('/never'), { agent, headers: { 'Warcwire-Meta': value } });
    expect(got.status).toBe(400);
    expect(got.body.toString()).toMatch(message);
  }
  // While prefix 'one' has an exchange in flight, another prefix is one too many.
  const first = request(url('/hold'), { agent, headers: { 'Warcwire-Meta': meta({ warcPrefix: 'one' }) } });
  await waitFor(() => held.length === 1);
  const second = await request(url('/never'), { agent, headers: { 'Warcwire-Meta': meta({ warcPrefix: 'two' }) } });
  expect(second.status).toBe(400);
  expect(second.body.toString()).toMatch(/already 1 distinct warcPrefix values in use \(maxWarcPrefixes\)/);
  held.splice(0).forEach((send) => send());
  expect((await first).status).toBe(200);
  // On a CONNECT head: refused before the tunnel opens.
  const tunnel = await openTunnel(proxy.port, `localhost:${origin.port}`, { 'Warcwire-Meta': '{' });
  expect(tunnel.status).toBe(400);
  tunnel.socket.destroy();
  agent.destroy();
  expect(origin.requests.has('/never')).toBe(false);
  expect(proxy.stats().rejected.badRequest).toBe(cases.length + 2);
});

test('one warcPrefix per crawl job: past maxWarcPrefixes, a finished job\'s files are closed to make room (a long-running proxy served 400s to every job after the first ones)', async () => {
  const proxy = await start({ maxWarcPrefixes: 2 });
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const jobs = ['job-1', 'job-2', 'job-3', 'job-4', 'job-1'];
  const statuses: number[] = [];
  for (const [i, job] of jobs.entries()) {
    statuses.push((await request(url(`/${job}/${i}`), { agent, headers: { 'Warcwire-Meta': meta({ warcPrefix: job }) } })).status);
    // The job is over once its pair is written (the browser has had the response before that, maybe).
    await waitFor(() => proxy.stats().exchanges.recorded === i + 1);
  }
  agent.destroy();
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  const prefixOf = (f: string): string => f.split('-').slice(0, 2).join('-');
  // The files of the jobs made room for (job-1, job-2, job-3) are finished while the proxy runs on.
  await waitFor(() => warcFiles(out).length === 3);
  expect(warcFiles(out).map(prefixOf)).toEqual(['job-1', 'job-2', 'job-3']);
  await proxy.close();
  // job-1 came back after its client was closed: a second file of its own.
  expect(warcFiles(out).map(prefixOf)).toEqual(['job-1', 'job-1', 'job-2', 'job-3', 'job-4']);
  const uris = warcFiles(out).flatMap((f) => warcioRead(join(out, f)).filter((r) => r.type === 'response').map((r) => `${prefixOf(f)} ${new URL(r.targetUri!).pathname}`));
  expect(uris.sort()).toEqual(jobs.map((job, i) => `${job} /${job}/${i}`).sort());
  expect(proxy.stats().prefixes['job-1']).toMatchObject({ recorded: 2 });
});

test('a warcPrefix whose writer cannot be made: 500 naming why, and the next request for it tries again', async () => {
  const proxy = await start();
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  // The output directory turns into a file: a new writer cannot be set up there.
  rmSync(out, { recursive: true, force: true });
  writeFileSync(out, 'not a directory');
  const failed = await request(url('/never'), { agent, headers: { 'Warcwire-Meta': meta({ warcPrefix: 'late' }) } });
  expect(failed.status).toBe(500);
  expect(failed.body.toString()).toMatch(/^the recording proxy could not take this request: .*not a directory/);
  rmSync(out);
  mkdirSync(out);
  const retried = await request(url('/late-ok'), { agent, headers: { 'Warcwire-Meta': meta({ warcPrefix: 'late' }) } });
  expect(retried.status).toBe(200);
  agent.destroy();
  expect(origin.requests.has('/never')).toBe(false);
  await proxy.close();
  expect(warcFiles(out).map((f) => f.split('-')[0])).toEqual(['late']);
});

test('dedupeBucket: the same payload is a revisit within a bucket, a full response in another', async () => {
  const dedupe = createDedupeIndex({ local: true });
  const proxy = await start({}, { dedupe });
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const get = (path: string, bucket: string): Promise<unknown> => request(url(path), { agent, headers: { 'Warcwire-Meta': meta({ dedupeBucket: bucket }) } });
  await get('/d1', 'a');
  await get('/d2', 'a');
  await get('/d3', 'b');
  agent.destroy();
  await proxy.close();
  await dedupe.close();
  const types = warcioRecords(out).filter((r) => r.type === 'response' || r.type === 'revisit').map((r) => `${new URL(r.targetUri!).pathname} ${r.type}`);
  expect(types).toEqual(['/d1 response', '/d2 revisit', '/d3 response']);
  expect(proxy.stats().exchanges).toMatchObject({ recorded: 3, revisits: 1 });
});

test('proxy auth: 407 with Proxy-Authenticate, credentials on CONNECT and absolute-form, guarded endpoints, reload; credentials never logged', async () => {
  const lines: string[] = [];
  const log = (fields: object, msg: string): void => void lines.push(`${JSON.stringify(fields)} ${msg}`);
  const logger = { debug: log, info: log, warn: log, error: log };
  const proxy = await start({ auth: { users: [{ username: 'alice', password: 's3cret' }] }, logger });
  const denied = await openTunnel(proxy.port, `localhost:${origin.port}`);
  expect(denied.status).toBe(407);
  expect(denied.head).toMatch(/\r\nProxy-Authenticate: Basic realm="warcwire"/);
  denied.socket.destroy();
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem, { connectHeaders: { 'Proxy-Authorization': basic('alice', 's3cret') } });
  expect((await request(url('/authed'), { agent })).status).toBe(200);
  agent.destroy();
  expect(origin.only('/authed').head).not.toMatch(/proxy-authorization/i);
  const plain = (headers: Record<string, string>): Promise<{ status: number }> =>
    request(`http://127.0.0.1:${origin.port}/x`, { host: '127.0.0.1', port: proxy.port, path: `http://127.0.0.1:1/plain`, headers });
  expect((await plain({})).status).toBe(407);
  const stats = (headers: Record<string, string>): Promise<{ status: number; body: Buffer }> => request(`${proxy.url}/stats`, { headers });
  expect((await stats({})).status).toBe(401);
  await waitFor(() => proxy.stats().exchanges.recorded === 1);
  const ok = await stats({ authorization: basic('alice', 's3cret') });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body.toString())).toMatchObject({ rejected: { auth: 2 }, tunnels: { opened: 1 }, exchanges: { recorded: 1 } });
  expect(proxy.reload({ auth: { users: [{ username: 'bob', password: 'other' }] } })).toEqual({ ok: true });
  const old = await openTunnel(proxy.port, `localhost:${origin.port}`, { 'Proxy-Authorization': basic('alice', 's3cret') });
  expect(old.status).toBe(407);
  old.socket.destroy();
  const refused = proxy.reload({ limits: { maxClients: 0 } });
  expect(refused.ok).toBe(false);
  expect(!refused.ok && refused.error).toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field: 'limits.maxClients' });
  // The input is the whole of auth and limits: left out, auth is off (on loopback).
  expect(proxy.reload({ limits: { maxClients: 10 } })).toEqual({ ok: true });
  const open = await openTunnel(proxy.port, `localhost:${origin.port}`);
  expect(open.status).toBe(200);
  open.socket.destroy();
  // An upstream failure with credentials on the request is logged without them.
  const failed = await request(`http://127.0.0.1:1/x`, { host: '127.0.0.1', port: proxy.port, path: 'http://127.0.0.1:1/x', headers: { 'proxy-authorization': basic('bob', 'other'), authorization: basic('alice', 's3cret') } });
  expect(failed.status).toBe(502);
  await proxy.close();
  expect(lines.length).toBeGreaterThan(3);
  const secrets = ['s3cret', 'other', Buffer.from('alice:s3cret').toString('base64'), Buffer.from('bob:other').toString('base64')];
  for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
});

test('a non-loopback listen address needs auth or unsafeOpenRelay; bad settings name their field', async () => {
  const settings = { ca: { dir: join(root, 'ca') }, client: { writer: { directory: out } } };
  const relay = createRecordingProxy({ ...settings, listen: '0.0.0.0:0' });
  await expect(relay).rejects.toBeInstanceOf(RecordingProxyError);
  await expect(relay).rejects.toMatchObject({ code: 'ERR_OPEN_RELAY', message: expect.stringMatching(/anyone who reaches the port/) });
  const open = await createRecordingProxy({ ...settings, listen: '0.0.0.0:0', unsafeOpenRelay: true });
  proxies.push(open);
  expect(open.host).toBe('0.0.0.0');
  const guarded = await createRecordingProxy({ ...settings, listen: '0.0.0.0:0', auth: { users: [{ username: 'u', password: 'p' }] } });
  proxies.push(guarded);
  // Dropping auth by reload would open the relay: refused.
  const reload = guarded.reload({});
  expect(!reload.ok && reload.error.code).toBe('ERR_OPEN_RELAY');
  await expect(createRecordingProxy({ ...settings, limits: { maxClients: 0 } })).rejects.toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field: 'limits.maxClients' });
  await expect(createRecordingProxy({ ...settings, maxWarcPrefixes: 0 })).rejects.toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field: 'maxWarcPrefixes' });
  await expect(createRecordingProxy({ ...settings, listen: 'nope' })).rejects.toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field: 'listen' });
});

test('limits: maxClients refuses one more with 503, a head over maxHeaderBytes inside a tunnel is 431; /metrics over HTTP', async () => {
  const proxy = await start({ limits: { maxClients: 1, maxHeaderBytes: 2048 } });
  const first = await openTunnel(proxy.port, `localhost:${origin.port}`);
  expect(first.status).toBe(200);
  const second = await openTunnel(proxy.port, `localhost:${origin.port}`).catch((error: Error) => error);
  expect(second).not.toBeInstanceOf(Error);
  expect((second as { status: number }).status).toBe(503);
  (second as { socket: { destroy(): void } }).socket.destroy();
  // Inside the first tunnel (plain HTTP, not TLS): a request head larger than maxHeaderBytes.
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    first.socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    first.socket.once('close', () => resolve(text));
    first.socket.write(`GET /huge HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 431 /);
  expect(origin.requests.has('/huge')).toBe(false);
  await waitFor(() => proxy.stats().clients.active === 0);
  const metrics = await request(`${proxy.url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.body.toString()).toMatch(/^warcwire_record_proxy_rejected_requests_total\{reason="overload"\} 1$/m);
  expect(metrics.body.toString()).toMatch(/^warcwire_record_proxy_rejected_requests_total\{reason="bad_request"\} 1$/m);
});
