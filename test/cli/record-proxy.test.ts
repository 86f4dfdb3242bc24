/**
 * `warcwire record-proxy` in a child process, used as a browser would use it:
 * curl through it to a loopback https site, trusting only the CA it printed;
 * then SIGINT: the files are closed, the summary printed, exit status 0, and
 * warcio (an independent reader) finds the exchange in the WARC file.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { formatBytes } from '../../src/cli/capture/capture-report';
import { curl } from '../helpers/proxy-clients';
import { startHttp, startHttps, type Running } from '../helpers/client-servers';
import { opensslCertificate, opensslSpkiSha256 } from '../helpers/openssl-ca';
import { startRecordProxyCli } from '../helpers/record-proxy-cli';
import { warcioReadHttp } from '../helpers/warc-tools';

const PAGE = '<!doctype html><title>recorded</title><p>hello from the origin</p>\n';

let origin: Running;
let dir: string;

beforeAll(async () => {
  origin = await startHttps((req, res) => {
    if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else res.writeHead(404).end('no such page\n');
  });
});
afterAll(() => origin.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-record-proxy-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('records an https page fetched through it by curl; SIGINT closes the files, prints the summary and exits 0', async () => {
  const out = join(dir, 'warcs');
  const proxy = startRecordProxyCli(['--listen', '127.0.0.1:0', '-o', out, '--ca-dir', join(dir, 'ca'), '--insecure', '--progress', '0.2']);
  try {
    const banner = await proxy.banner;
    expect(banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner.url).not.toMatch(/:0$/);
    expect(banner.caFile).toBe(join(dir, 'ca', 'warcwire-ca.pem'));
    expect(banner.spki).toBe(opensslSpkiSha256(readFileSync(banner.caFile, 'utf8')));
    expect(banner.example).toBe(`chromium --user-data-dir="$(mktemp -d)" --proxy-server=${banner.url} --proxy-bypass-list='<-loopback>' --ignore-certificate-errors-spki-list=${banner.spki}`);

    const url = `https://localhost:${origin.port}/page`;
    const fetched = await curl(['--proxy', banner.url, '--cacert', banner.caFile, url]);
    expect(fetched).toMatchObject({ code: 0, stdout: PAGE });
    // Not a terminal: progress comes as a log line once something changed.
    await proxy.waitForErr(/"msg":"record-proxy: 1 exchanges .*1 leaf certificates"/);

    proxy.child.kill('SIGINT');
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    const summary = proxy.out();
    expect(summary).toMatch(/^exchanges: 1 recorded \(0 as revisits\), 0 failed$/m);
    expect(summary).toMatch(/^leaf certificates issued: 1$/m);
    const names = readdirSync(out);
    expect(names.filter((n) => n.endsWith('.open'))).toEqual([]);
    expect(names).toHaveLength(1);
    const file = join(out, names[0]!);
    expect(summary).toMatch(/^files: 1$/m);
    expect(summary).toContain(`  ${file} (`);

    const records = warcioReadHttp(file);
    const response = records.find((r) => r.type === 'response');
    const request = records.find((r) => r.type === 'request');
    expect(response).toMatchObject({ targetUri: url, status: 200, text: PAGE });
    expect(request).toMatchObject({ targetUri: url, method: 'GET', concurrentTo: response!.id });
  } finally {
    proxy.child.kill('SIGKILL');
  }
});

test('--max-cached-leaves bounds the leaf cache: with 1, a host asked for again after another gets a new leaf', async () => {
  const proxy = startRecordProxyCli(['--listen', '127.0.0.1:0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca'), '--insecure', '--max-cached-leaves', '1', '--max-prefixes', '2']);
  try {
    const banner = await proxy.banner;
    for (const host of ['localhost', '127.0.0.1', 'localhost']) {
      expect(await curl(['--proxy', banner.url, '--cacert', banner.caFile, `https://${host}:${origin.port}/page`])).toMatchObject({ code: 0, stdout: PAGE });
    }
    proxy.child.kill('SIGINT');
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    // Cached (the default), the third would have been served the first one's leaf: 2.
    expect(proxy.out()).toMatch(/^leaf certificates issued: 3$/m);
  } finally {
    proxy.child.kill('SIGKILL');
  }
});

test('without --insecure the web server certificate is verified: a self-signed origin is a 502 and nothing is written', async () => {
  const out = join(dir, 'warcs');
  const proxy = startRecordProxyCli(['--listen', '0', '-o', out, '--ca-dir', join(dir, 'ca')]);
  try {
    const banner = await proxy.banner;
    const fetched = await curl(['--proxy', banner.url, '--cacert', banner.caFile, '--write-out', '%{http_code}', '--output', '/dev/null', `https://localhost:${origin.port}/page`]);
    expect(fetched.stdout).toBe('502');
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    expect(proxy.out()).toMatch(/^exchanges: 0 recorded \(0 as revisits\), 1 failed$/m);
    expect(readdirSync(out).filter((n) => n.includes('.warc'))).toEqual([]);
  } finally {
    proxy.child.kill('SIGKILL');
  }
});

test('with no --ca-dir the CA is generated under $XDG_CONFIG_HOME/warcwire/ca and reused by the next run', async () => {
  const env = { XDG_CONFIG_HOME: join(dir, 'config') };
  const first = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs')], env);
  let spki: string;
  try {
    const banner = await first.banner;
    expect(banner.caFile).toBe(join(dir, 'config', 'warcwire', 'ca', 'warcwire-ca.pem'));
    expect(existsSync(banner.caFile)).toBe(true);
    expect(first.err()).toContain('(created now)');
    spki = banner.spki;
    first.child.kill('SIGINT');
    expect({ exit: await first.exit, err: first.err() }).toEqual({ exit: { code: 0, signal: null }, err: expect.any(String) });
  } finally {
    first.child.kill('SIGKILL');
  }
  const second = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs')], env);
  try {
    expect((await second.banner).spki).toBe(spki);
    expect(second.err()).not.toContain('(created now)');
    second.child.kill('SIGINT');
    expect({ exit: await second.exit, err: second.err() }).toEqual({ exit: { code: 0, signal: null }, err: expect.any(String) });
  } finally {
    second.child.kill('SIGKILL');
  }
});

test('--ca-cert/--ca-key: the leaf certificates are signed by the user\'s CA, which the start-up lines name', async () => {
  const own = opensslCertificate(dir, 'own', { key: 'rsa' });
  const proxy = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs'), '--ca-cert', own.certFile, '--ca-key', own.keyFile, '--insecure']);
  try {
    const banner = await proxy.banner;
    expect(banner.caFile).toBe(own.certFile);
    expect(banner.spki).toBe(opensslSpkiSha256(readFileSync(own.certFile, 'utf8')));
    expect(await curl(['--proxy', banner.url, '--cacert', own.certFile, `https://localhost:${origin.port}/page`])).toMatchObject({ code: 0, stdout: PAGE });
    proxy.child.kill('SIGINT');
    expect((await proxy.exit).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['own-key.pem', 'own.pem', 'warcs']);
  } finally {
    proxy.child.kill('SIGKILL');
  }
});

test('--dedupe local: the same payload fetched again is a revisit, counted in the summary', async () => {
  const payload = 'x'.repeat(10_000);
  const plain = await startHttp((_req, res) => res.end(payload));
  const proxy = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca'), '--dedupe', 'local', '--progress', '0.05']);
  try {
    const { url } = await proxy.banner;
    expect(await curl(['--proxy', url, `${plain.url}/a`])).toMatchObject({ code: 0, stdout: payload });
    // The first pair is written (and its digest known to the index) before the second is fetched.
    await proxy.waitForErr(/record-proxy: 1 exchanges/);
    expect(await curl(['--proxy', url, `${plain.url}/b`])).toMatchObject({ code: 0, stdout: payload });
    proxy.child.kill('SIGINT');
    expect((await proxy.exit).code).toBe(0);
    expect(proxy.out()).toMatch(/^exchanges: 2 recorded \(1 as revisits\), 0 failed$/m);
  } finally {
    proxy.child.kill('SIGKILL');
    await plain.close();
  }
});

test('a second signal while closing exits at once (130), leaving the file *.open and naming warcwire mend', async () => {
  const stalled = new Set<ServerResponse>();
  const slow = await startHttp((req, res) => {
    if (req.url === '/fast') return void res.end('fast page');
    stalled.add(res);
    res.writeHead(200, { 'content-length': '100000' });
    res.write('s'.repeat(1000));
  });
  const out = join(dir, 'warcs');
  const proxy = startRecordProxyCli(['--listen', '0', '-o', out, '--ca-dir', join(dir, 'ca'), '--compression', 'none', '--progress', '0.05']);
  try {
    const { url } = await proxy.banner;
    expect(await curl(['--proxy', url, `${slow.url}/fast`])).toMatchObject({ code: 0, stdout: 'fast page' });
    await proxy.waitForErr(/record-proxy: 1 exchanges/); // written: the file exists (as .open)
    const cut = curl(['--proxy', url, `${slow.url}/slow`]);
    while (stalled.size === 0) await new Promise((r) => setTimeout(r, 20));
    const mark = proxy.err().length;
    proxy.child.kill('SIGINT');
    await proxy.waitForErr(/record-proxy: stopping/, mark);
    proxy.child.kill('SIGINT');
    expect(await proxy.exit).toEqual({ code: 130, signal: null });
    expect(proxy.err()).toMatch(/SIGINT again: exiting now\. Unfinished WARC files are left as \*\.open; run `warcwire mend .*warcs` to finish them/);
    expect(readdirSync(out).filter((n) => n.endsWith('.warc.open'))).toHaveLength(1);
    await cut;
  } finally {
    proxy.child.kill('SIGKILL');
    for (const r of stalled) r.destroy();
    await slow.close();
  }
});

test('--metrics-port serves the recording metrics (the capture\'s counters) on 127.0.0.1', async () => {
  const plain = await startHttp((_req, res) => res.end('counted\n'));
  const proxy = startRecordProxyCli(['--listen', '0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca'), '--metrics-port', '0']);
  try {
    const { url } = await proxy.banner;
    const metricsUrl = /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(proxy.err())![1]!;
    expect(await curl(['--proxy', url, `${plain.url}/one`])).toMatchObject({ code: 0, stdout: 'counted\n' });
    // The pair is written after curl has its response: scrape until the write is counted.
    const written = /^records_written_total\{type="response"\} 1$/m;
    let scraped = await curl([metricsUrl]);
    for (const end = Date.now() + 10_000; !written.test(scraped.stdout) && Date.now() < end; scraped = await curl([metricsUrl])) await new Promise((r) => setTimeout(r, 50));
    expect(scraped.stdout).toMatch(written);
    expect(scraped.stdout).toMatch(/^requests_total 1$/m);
    proxy.child.kill('SIGINT');
    expect((await proxy.exit).code).toBe(0);
  } finally {
    proxy.child.kill('SIGKILL');
    await plain.close();
  }
});

test('the summary lists every file of the run with its size on disk, Warcwire-Meta prefixes included, and not the files already there', async () => {
  const plain = await startHttp((_req, res) => res.end('page\n'));
  const out = join(dir, 'warcs');
  const first = startRecordProxyCli(['--listen', '0', '-o', out, '--ca-dir', join(dir, 'ca')]);
  try {
    const { url } = await first.banner;
    expect(await curl(['--proxy', url, `${plain.url}/earlier`])).toMatchObject({ code: 0 });
    first.child.kill('SIGINT');
    expect((await first.exit).code).toBe(0);
  } finally {
    first.child.kill('SIGKILL');
  }
  const earlier = readdirSync(out);
  expect(earlier).toHaveLength(1);
  const second = startRecordProxyCli(['--listen', '0', '-o', out, '--ca-dir', join(dir, 'ca')]);
  try {
    const { url } = await second.banner;
    expect(await curl(['--proxy', url, `${plain.url}/main`])).toMatchObject({ code: 0 });
    expect(await curl(['--proxy', url, '--header', 'Warcwire-Meta: {"warcPrefix": "SIDE"}', `${plain.url}/side`])).toMatchObject({ code: 0 });
    second.child.kill('SIGINT');
    expect((await second.exit).code).toBe(0);
  } finally {
    second.child.kill('SIGKILL');
    await plain.close();
  }
  const listed = [...second.out().matchAll(/^ {2}(\S+) \((.+)\)$/gm)].map((m) => [m[1]!, m[2]!] as const);
  const made = readdirSync(out).filter((n) => !earlier.includes(n)).map((n) => join(out, n));
  expect(second.out()).toMatch(/^files: 2$/m);
  expect(listed.map(([path]) => path).sort()).toEqual(made.sort());
  for (const [path, size] of listed) expect(size).toBe(formatBytes(statSync(path).size));
  expect(made.map((p) => p.slice(out.length + 1).split('-')[0]).sort()).toEqual(['SIDE', 'WARC']);
});
