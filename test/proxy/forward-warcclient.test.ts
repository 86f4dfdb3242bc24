/** Our WarcClient as a crawler behind our forward proxy (with auth and a faulty upstream in the pool). */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { createFaultyProxy, type FaultyProxy } from '../../src/proxy/faulty/faulty-proxy';
import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';
import { makeCert, startHttpsTarget, startHttpTarget, type Running, type TestCert } from '../helpers/proxy-targets';
import { readAll } from '../helpers/warc-read';

let cert: TestCert;
let web: Running;
let secure: Running;
let good: FaultyProxy;
let resetting: FaultyProxy;
let proxy: ForwardProxy;
let dir: string;

beforeAll(async () => {
  cert = makeCert();
  [web, secure, good, resetting] = await Promise.all([
    startHttpTarget(),
    startHttpsTarget(cert),
    createFaultyProxy(),
    createFaultyProxy({ faults: [{ kind: 'reset' }] }),
  ]);
  proxy = await createForwardProxy({
    listen: '127.0.0.1:0',
    auth: { users: [{ username: 'crawler', password: 'pw' }] },
    upstreams: [{ url: resetting.url }, { url: good.url }],
    retries: 1,
  });
  dir = mkdtempSync(join(tmpdir(), 'warcwire-proxy-client-'));
});
afterAll(async () => {
  await Promise.all([proxy.close(), good.close(), resetting.close(), web.close(), secure.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('WarcClient fetches http and https through the proxy and records both', async () => {
  const client = await WarcClient.create({
    writer: { directory: dir },
    tls: { ca: cert.cert },
    dialer: { proxies: [`http://crawler:pw@127.0.0.1:${proxy.port}`] },
  });
  try {
    const plain = await client.fetch(`http://localhost:${web.port}/page`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe('hello GET /page\n');
    await plain.written;
    const tls = await client.fetch(`https://localhost:${secure.port}/secure`);
    expect(await tls.text()).toBe('hello GET /secure\n');
    await tls.written;
  } finally {
    await client.close();
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  const records = (await Promise.all(files.map((f) => readAll(join(dir, f))))).flatMap((r) => r.records);
  const uris = records
    .filter((r) => r.type === 'response')
    .map((r) => r.headers.find(([n]) => n === 'WARC-Target-URI')?.[1]);
  expect(uris.sort()).toEqual([`http://localhost:${web.port}/page`, `https://localhost:${secure.port}/secure`]);
  // The client reached the targets only through tunnels the good upstream opened.
  expect(good.counters.connects).toBe(2);
  expect(proxy.stats().overall.lifetime).toMatchObject({ success: 2, failed: 0 });
});
