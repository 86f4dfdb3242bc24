/**
 * The http(s) agents close a kept-alive connection left idle for the client's
 * keepAliveTimeout, as fetch() and the dispatcher do: node's Agent keeps an idle
 * socket until the server closes it, so a crawler going through got or axios to
 * origins that keep connections open held one fd per origin ever visited. A
 * kept socket that is back in use is not cut by that limit.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startHttp, startHttps, type Running } from '../helpers/client-servers';
import { waitFor } from '../helpers/record-proxy';
import { testCertificate } from '../helpers/tls-cert';

jest.setTimeout(30_000);

/** Shorter than the origins' own keep-alive (10 s), so only the client can end an idle connection in the test. */
const IDLE_MS = 300;

const handler: http.RequestListener = (req, res) => {
  const delay = req.url === '/slow' ? IDLE_MS * 2 : 0;
  setTimeout(() => res.end(`body of ${req.url}`), delay);
};

let origins: { http: Running; https: Running };
let dir: string;
let client: WarcClient;

beforeAll(async () => {
  origins = { http: await startHttp(handler), https: await startHttps(handler) };
});

afterAll(async () => {
  await origins.http.close();
  await origins.https.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-agent-idle-'));
  client = await WarcClient.create({ writer: { directory: dir }, keepAliveTimeout: IDLE_MS, tls: { ca: testCertificate().cert } });
});

afterEach(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(scheme: 'http' | 'https', path: string): Promise<{ status: number; body: string; req: http.ClientRequest }> {
  const lib = scheme === 'https' ? https : http;
  const agent = scheme === 'https' ? client.httpsAgent : client.httpAgent;
  return new Promise((resolve, reject) => {
    const req = lib.get(`${origins[scheme].url}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, req }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const openConnections = (origin: Running): number => origin.accepted.filter((s) => !s.destroyed).length;

describe.each(['http', 'https'] as const)('%s agent', (scheme) => {
  test('idle kept-alive connections are closed after keepAliveTimeout', async () => {
    const origin = origins[scheme];
    const before = origin.accepted.length;
    const got = await Promise.all([1, 2, 3].map((i) => get(scheme, `/idle-${i}`)));
    expect(got.map((g) => g.body)).toEqual(['body of /idle-1', 'body of /idle-2', 'body of /idle-3']);
    expect(origin.accepted.length - before).toBe(3);
    // Before: the three stayed open for as long as the origin kept them (10 s).
    await waitFor(() => openConnections(origin) === 0, 5000);
  });

  test('a kept connection back in use is not cut by the idle limit, and is reused while idle', async () => {
    const origin = origins[scheme];
    const before = origin.accepted.length;
    const first = await get(scheme, '/first');
    const slow = await get(scheme, '/slow');
    expect([first.body, slow.body]).toEqual(['body of /first', 'body of /slow']);
    expect(origin.accepted.length - before).toBe(1);
    const agent = scheme === 'https' ? client.httpsAgent : client.httpAgent;
    const written = await agent.written(slow.req);
    expect(written.status).toBe(200);
    expect(written.truncated).toBeUndefined();
  });
});
