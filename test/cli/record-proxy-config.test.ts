/**
 * `warcwire record-proxy --config FILE`: auth from the file (407 without
 * credentials, 200 with), SIGHUP applies a changed password, and a broken
 * file is refused with a log line while the running configuration stays.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curl } from '../helpers/proxy-clients';
import { startHttp, type Running } from '../helpers/client-servers';
import { startRecordProxyCli } from '../helpers/record-proxy-cli';

let origin: Running;
let dir: string;

beforeAll(async () => {
  origin = await startHttp((_req, res) => res.end('plain page\n'));
});
afterAll(() => origin.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-record-proxy-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function users(password: string): string {
  return JSON.stringify({ auth: { users: [{ username: 'alice', password }] }, limits: { maxClients: 64 } });
}

/** The status the proxy answered a plain-http GET with, sent with `credentials` (user:pass) or none. */
async function status(proxyUrl: string, credentials?: string): Promise<string> {
  const auth = credentials === undefined ? [] : ['--proxy-user', credentials];
  const r = await curl(['--proxy', proxyUrl, ...auth, '--write-out', '%{http_code}', '--output', '/dev/null', `${origin.url}/`]);
  return r.stdout;
}

test('auth from --config: 407 without credentials, 200 with; SIGHUP applies a new password; a broken file is refused and the old one kept; auth left out turns it off', async () => {
  const config = join(dir, 'proxy.json');
  writeFileSync(config, users('first secret'));
  const proxy = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca'), '--config', config]);
  try {
    const { url } = await proxy.banner;
    expect(await status(url)).toBe('407');
    expect(await status(url, 'alice:wrong')).toBe('407');
    expect(await status(url, 'alice:first secret')).toBe('200');

    writeFileSync(config, users('second secret'));
    let mark = proxy.err().length;
    proxy.child.kill('SIGHUP');
    await proxy.waitForErr(/record-proxy: configuration reloaded/, mark);
    expect(await status(url, 'alice:first secret')).toBe('407');
    expect(await status(url, 'alice:second secret')).toBe('200');

    writeFileSync(config, '{"auth": {"users": [');
    mark = proxy.err().length;
    proxy.child.kill('SIGHUP');
    await proxy.waitForErr(/"level":"warn","msg":"record-proxy: new configuration refused, keeping the old one: .*not valid JSON/, mark);
    expect(await status(url, 'alice:second secret')).toBe('200');

    // Valid JSON, a bad value: refused by the proxy's own check, the old settings stay too.
    writeFileSync(config, JSON.stringify({ auth: { users: [] } }));
    mark = proxy.err().length;
    proxy.child.kill('SIGHUP');
    await proxy.waitForErr(/record-proxy: new configuration refused, keeping the old one: auth\.users/, mark);
    expect(await status(url)).toBe('407');
    expect(await status(url, 'alice:second secret')).toBe('200');
    // The file is the whole configuration: auth left out of it is auth turned off (on loopback).
    writeFileSync(config, JSON.stringify({ limits: { maxClients: 64 } }));
    mark = proxy.err().length;
    proxy.child.kill('SIGHUP');
    await proxy.waitForErr(/record-proxy: configuration reloaded/, mark);
    expect(await status(url)).toBe('200');
    // The credentials never appear in what it prints.
    expect(proxy.err()).not.toMatch(/secret/);

    proxy.child.kill('SIGINT');
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    expect(proxy.out()).toMatch(/^exchanges: 5 recorded/m);
  } finally {
    proxy.child.kill('SIGKILL');
  }
});

test('a --config file that cannot be used stops the start with exit status 2 and the reason', async () => {
  const config = join(dir, 'proxy.json');
  writeFileSync(config, JSON.stringify({ auth: { users: [{ username: 'alice', password: 'x' }] }, upstreams: [] }));
  const proxy = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca'), '--config', config]);
  expect((await proxy.exit).code).toBe(2);
  expect(proxy.err()).toMatch(/--config: upstreams: unknown setting .*allowed: auth, limits/);
});

test('a bad value in the --config file at start is named with the file: exit 2', async () => {
  const config = join(dir, 'proxy.json');
  writeFileSync(config, JSON.stringify({ auth: { users: [] } }));
  const proxy = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca'), '--config', config]);
  expect((await proxy.exit).code).toBe(2);
  expect(proxy.err()).toContain(`warcwire record-proxy: --config ${config}: auth.users: must be a non-empty array`);
});
