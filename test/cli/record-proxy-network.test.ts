/**
 * `warcwire record-proxy --proxy URL`: what the browser asks for is fetched
 * through the upstream proxy (a real microsocks), as `capture --proxy` does;
 * the records then carry no WARC-IP-Address (the origin's address is unknown).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttp, type Running } from '../helpers/client-servers';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startMicrosocks, type ProxyDaemon } from '../helpers/net-proxies';
import { curl } from '../helpers/proxy-clients';
import { startRecordProxyCli } from '../helpers/record-proxy-cli';
import { warcioReadHttp } from '../helpers/warc-tools';

let socks: ProxyDaemon;
let origin: Running;
let dir: string;

beforeAll(async () => {
  socks = await startMicrosocks();
  origin = await startHttp((req, res) => res.end(`via socks ${req.url}`));
}, 60_000);
afterAll(async () => {
  await stopAllDaemons();
  await origin?.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-record-proxy-net-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('--proxy socks5h://: every exchange goes through microsocks; no WARC-IP-Address', async () => {
  const out = join(dir, 'warcs');
  const proxy = startRecordProxyCli(['--listen', '0', '-o', out, '--ca-dir', join(dir, 'ca'), '--proxy', socks.url('socks5h')]);
  try {
    const { url } = await proxy.banner;
    const target = `http://localhost:${origin.port}/through`;
    expect(await curl(['--proxy', url, target])).toMatchObject({ code: 0, stdout: 'via socks /through' });
    proxy.child.kill('SIGINT');
    expect((await proxy.exit).code).toBe(0);
    expect(socks.log()).toContain(`connected to localhost:${origin.port}`);
    const [file] = readdirSync(out);
    const response = warcioReadHttp(join(out, file!)).find((r) => r.type === 'response');
    expect(response).toMatchObject({ targetUri: target, status: 200, ipAddress: null });
  } finally {
    proxy.child.kill('SIGKILL');
  }
}, 60_000);
