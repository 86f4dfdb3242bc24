/**
 * The recording proxy's upstream side through the WarcClient's dialer:
 * microsocks (SOCKS5) and squid (HTTP CONNECT) on loopback. The records are
 * still the origin's exact bytes, without WARC-IP-Address (the origin's
 * address is the upstream proxy's business).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingProxy } from '../../src/record-proxy';
import { startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { startMicrosocks, startSquid, type ProxyDaemon } from '../helpers/net-proxies';
import { request, sha1, tunnelAgent, warcioRecords } from '../helpers/record-proxy';
import { testCertificate } from '../helpers/tls-cert';

jest.setTimeout(90_000);

let origin: LoggingOrigin;
let microsocks: ProxyDaemon;
let squid: ProxyDaemon;
let root: string;

beforeAll(async () => {
  const answer = (req: IncomingMessage, res: ServerResponse): void => void res.writeHead(200, { 'content-type': 'text/plain' }).end(`via ${req.url}`);
  [origin, microsocks, squid] = await Promise.all([startLoggingOrigin('https', answer), startMicrosocks(), startSquid()]);
});
afterAll(async () => {
  await Promise.all([origin?.close(), microsocks?.stop(), squid?.stop()]);
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-up-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test.each([
  ['microsocks', (): ProxyDaemon => microsocks, 'socks5h'],
  ['squid', (): ProxyDaemon => squid, 'http'],
])('through %s: served, byte-exact records, no WARC-IP-Address', async (name, daemon, scheme) => {
  const logBefore = daemon().log().length;
  const out = join(root, name);
  const proxy = await createRecordingProxy({
    listen: '127.0.0.1:0',
    ca: { dir: join(root, 'ca') },
    client: { writer: { directory: out }, tls: { ca: testCertificate().cert }, dialer: { proxies: [daemon().url(scheme)] } },
  });
  const agent = tunnelAgent(proxy.port, proxy.ca.certPem);
  const paths = [`/${name}/1`, `/${name}/2`];
  for (const path of paths) {
    const got = await request(`https://localhost:${origin.port}${path}`, { agent });
    expect([got.status, got.body.toString()]).toEqual([200, `via ${path}`]);
  }
  agent.destroy();
  await proxy.close();
  // The daemon saw the tunnel to the origin (microsocks: "connected to HOST:PORT"; squid's access log: CONNECT HOST:PORT).
  expect(daemon().log().slice(logBefore)).toMatch(new RegExp(`localhost:${origin.port}`));
  const records = warcioRecords(out);
  const responses = records.filter((r) => r.type === 'response');
  expect(responses.map((r) => new URL(r.targetUri!).pathname)).toEqual(paths);
  for (const response of responses) {
    const logged = origin.only(new URL(response.targetUri!).pathname);
    expect(response.sha1).toBe(sha1(Buffer.concat(logged.sent)));
    expect(response.ipAddress).toBeNull();
    const req = records.find((r) => r.type === 'request' && r.concurrentTo === response.id)!;
    expect(req.sha1).toBe(sha1(Buffer.concat([Buffer.from(logged.head, 'latin1'), logged.body])));
  }
});
