/**
 * The keep-alive race through the recording proxy: the origin closes a kept-alive
 * connection just as the next request arrives on it, without answering. A browser
 * talking to the origin itself sends such a request again on a new connection
 * (RFC 9112 §9.3.1); the proxy does the same, once, for a bodiless idempotent
 * request, so the browser gets the page and not a 502. The closed attempt got no
 * answer and is not recorded; the answered one is, once. A request with a body, or
 * an origin that keeps closing, still gets the 502.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { request, warcioRecords } from '../helpers/record-proxy';
import { response, startRawSite, type Answer, type RawSite } from '../helpers/raw-site';

let root: string;
let proxy: RecordingProxy;
let site: RawSite | undefined;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-ka-race-'));
  proxy = await createRecordingProxy({ listen: '127.0.0.1:0', ca: { dir: join(root, 'ca') }, client: { writer: { directory: join(root, 'warcs') } } });
});
afterEach(async () => {
  await proxy.close();
  await site?.close();
  site = undefined;
  rmSync(root, { recursive: true, force: true });
});

const ok = (path: string): Buffer => response(Buffer.from(`page ${path}`), { contentType: 'text/plain' });

/** Sends `paths` one after another over one kept-alive browser connection, as absolute-form requests. */
async function browse(paths: Array<{ path: string; method?: string; body?: Buffer }>): Promise<Array<[number, string]>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const results: Array<[number, string]> = [];
  try {
    for (const { path, method, body } of paths) {
      const url = `http://127.0.0.1:${site!.port}${path}`;
      const got = await request(proxy.url, { agent, path: url, method: method ?? 'GET', ...(body ? { body } : {}) });
      results.push([got.status, got.body.toString()]);
    }
  } finally {
    agent.destroy();
  }
  return results;
}

/** Answers every request, except that it closes its first connection when the second request arrives on it. */
function closeSecondRequestOnFirstConnection(): Answer {
  return (entry, reply) => {
    if (entry.connection === 0 && entry.n === 1) reply.socket.destroy();
    else reply.whole(ok(entry.path));
  };
}

test('a GET the origin closes the kept-alive connection on is sent again on a new one: 200, recorded once', async () => {
  site = await startRawSite(closeSecondRequestOnFirstConnection());
  expect(await browse([{ path: '/first' }, { path: '/second' }])).toEqual([
    [200, 'page /first'],
    [200, 'page /second'],
  ]);
  expect(site.log.map((e) => [e.connection, e.path])).toEqual([
    [0, '/first'],
    [0, '/second'],
    [1, '/second'],
  ]);
  await proxy.close();
  expect([proxy.stats().exchanges.recorded, proxy.stats().exchanges.failed]).toEqual([2, 1]);
  const responses = warcioRecords(join(root, 'warcs')).filter((r) => r.type === 'response');
  expect(responses.map((r) => r.targetUri)).toEqual([`http://127.0.0.1:${site.port}/first`, `http://127.0.0.1:${site.port}/second`]);
});

test('a POST with a body is not sent twice, and an origin that closes every time is tried twice at most: 502', async () => {
  site = await startRawSite(closeSecondRequestOnFirstConnection());
  const post = await browse([{ path: '/first' }, { path: '/form', method: 'POST', body: Buffer.from('a=1') }]);
  expect(post.map(([status]) => status)).toEqual([200, 502]);
  expect(site.log.map((e) => e.path)).toEqual(['/first', '/form']);
  await site.close();

  site = await startRawSite((_entry, reply) => reply.socket.destroy());
  const [[status]] = await browse([{ path: '/never' }]);
  expect(status).toBe(502);
  expect(site.log.map((e) => [e.connection, e.path])).toEqual([
    [0, '/never'],
    [1, '/never'],
  ]);
});
