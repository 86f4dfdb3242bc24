import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import capture from '../../src/cli/commands/capture';
import { captureIO, expectCaptureUsageErrors } from '../helpers/cli-io';
import { startHttp, type Running } from '../helpers/client-servers';
import { stopAllDaemons } from '../helpers/net-daemon';
import { freePort } from '../helpers/net-ports';
import { startDnsmasq, startMicrosocks, type ProxyDaemon } from '../helpers/net-proxies';
import { readAll, type ReadBack } from '../helpers/warc-read';
import { parsePrometheusText, type Family } from '../obs/prom-text-parser';

// `warcwire capture` with the network, dedupe and metrics flags, against real
// daemons (microsocks, dnsmasq) and servers on loopback.

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

async function recordsIn(dir: string): Promise<ReadBack[]> {
  const out: ReadBack[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz'))) out.push(...(await readAll(join(dir, f))).records);
  return out;
}

const PAYLOAD = 'd'.repeat(4096);
let socks: ProxyDaemon;
let dns: Awaited<ReturnType<typeof startDnsmasq>>;
let origin: Running;
/** Set by a test: called by the origin before answering /scrape. */
let onScrape: (() => Promise<void>) | undefined;
let dir: string;

beforeAll(async () => {
  socks = await startMicrosocks();
  dns = await startDnsmasq({ records: { 'cli.test': ['127.0.0.1'] }, ttl: 30 });
  origin = await startHttp((req, res) => {
    const answer = (): void => {
      if (req.url?.startsWith('/same')) res.end(PAYLOAD);
      else res.end(`page ${req.url}`);
    };
    if (req.url === '/scrape' && onScrape) onScrape().then(answer, (err: Error) => res.writeHead(500).end(err.message));
    else answer();
  });
}, 60_000);

afterAll(async () => {
  await stopAllDaemons();
  await origin?.close();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-clinet-'));
  onScrape = undefined;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('--proxy / --proxy-type: every URL goes through microsocks; no WARC-IP-Address', async () => {
  const t = captureIO();
  const urls = [`http://localhost:${origin.port}/p1`, `http://localhost:${origin.port}/p2`];
  const code = await capture.run([...urls, '-o', dir, '--proxy', socks.url('socks5h'), '--proxy-type', 'datacenter', '--concurrency', '1'], t.io);
  expect(t.err()).toBe('');
  expect(code).toBe(0);
  expect(t.out()).toMatch(/requests: 2 \(2 ok, 0 failed\)/);
  expect(t.out()).toMatch(/dns records: 0\n/);
  // socks5h: the proxy got the host name, and carried the (kept-alive) connection.
  expect(socks.log()).toContain(`connected to localhost:${origin.port}`);
  const responses = (await recordsIn(dir)).filter((r) => r.type === 'response');
  expect(responses.map((r) => field(r, 'WARC-Target-URI')).sort()).toEqual(urls);
  for (const r of responses) expect(field(r, 'WARC-IP-Address')).toBeUndefined();
}, 60_000);

test('--proxy socks5:// resolves locally through --dns-server: the proxy gets an IP and the answer is archived', async () => {
  const t = captureIO();
  const url = `http://cli.test:${origin.port}/via-socks5`;
  const code = await capture.run([url, '-o', dir, '--proxy', socks.url('socks5'), '--dns-server', dns.server, '--no-ipv6'], t.io);
  expect(t.err()).toBe('');
  expect(code).toBe(0);
  expect(t.out()).toMatch(/dns records: 1\n/);
  expect(socks.log()).toContain(`connected to 127.0.0.1:${origin.port}`);
  expect(socks.log()).not.toContain(`connected to cli.test`);
  const records = await recordsIn(dir);
  expect(records.map((r) => [r.type, field(r, 'WARC-Target-URI')])).toEqual([
    ['warcinfo', undefined],
    ['resource', 'dns:cli.test'],
    ['response', url],
    ['request', url],
  ]);
  expect(field(records[2]!, 'WARC-IP-Address')).toBeUndefined();
}, 60_000);

test('--dedupe local: duplicate payloads become revisits and the summary shows the savings', async () => {
  const t = captureIO();
  const urls = ['/same-a', '/same-b', '/same-c', '/other'].map((p) => `${origin.url}${p}`);
  const code = await capture.run([...urls, '-o', dir, '--dedupe', 'local', '--concurrency', '1'], t.io);
  expect(t.err()).toBe('');
  expect(code).toBe(0);
  expect(t.out()).toMatch(/records: 8 \(4 pairs, 0 truncated\)/);
  expect(t.out()).toContain('dedupe: 2 revisits (local 2), 8.0 KiB of payload not stored, 0 lookup errors\n');
  const records = await recordsIn(dir);
  const revisits = records.filter((r) => r.type === 'revisit');
  expect(revisits.map((r) => field(r, 'WARC-Target-URI'))).toEqual([urls[1], urls[2]]);
  for (const r of revisits) expect(field(r, 'WARC-Refers-To-Target-URI')).toBe(urls[0]);
  expect(records.filter((r) => r.type === 'response')).toHaveLength(2);
}, 60_000);

test('--metrics-port serves /metrics during the capture; --dns-server archives the answer', async () => {
  const port = await freePort();
  let scraped: Map<string, Family> | undefined;
  onScrape = async () => {
    const text = await new Promise<string>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/metrics`, { agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    scraped = parsePrometheusText(text);
  };
  const t = captureIO();
  const queriesBefore = dns.queries('cli.test').length;
  const urls = [`http://cli.test:${origin.port}/first`, `http://cli.test:${origin.port}/scrape`];
  const code = await capture.run([...urls, '-o', dir, '--concurrency', '1', '--metrics-port', String(port), '--dns-server', dns.server, '--no-ipv6'], t.io);
  expect(code).toBe(0);
  expect(t.err()).toContain(`metrics: http://127.0.0.1:${port}/metrics`);
  expect(t.out()).toMatch(/dns records: 1\n/);
  expect(dns.queries('cli.test').length - queriesBefore).toBe(1);

  // Scraped while the second request was being answered: the first pair and the DNS record are written.
  const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
    scraped?.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  expect(value('requests_total')).toBe(2);
  expect(value('records_written_total', { type: 'response' })).toBe(1);
  expect(value('records_written_total', { type: 'request' })).toBe(1);
  expect(value('records_written_total', { type: 'resource' })).toBe(1);
  expect(value('dns_queries_total')).toBe(1);
  expect(value('files_written_total')).toBe(1);

  // The server is gone once the command returned.
  await expect(
    new Promise((resolve, reject) => http.get(`http://127.0.0.1:${port}/metrics`, { agent: false }, resolve).on('error', reject)),
  ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  const records = await recordsIn(dir);
  expect(records.filter((r) => r.type === 'resource').map((r) => field(r, 'WARC-Target-URI'))).toEqual(['dns:cli.test']);
}, 60_000);

test('bad flag values: a clear message and exit 2', async () => {
  const url = `${origin.url}/x`;
  const cases: Array<[string[], RegExp]> = [
    [['--proxy-type', 'bogus', '--proxy', socks.url()], /--proxy-type must be one of any, mobile, residential, datacenter/],
    [['--proxy-type', 'mobile'], /--proxy-type needs at least one --proxy/],
    [['--proxy', 'ftp://127.0.0.1:21'], /--proxy: /],
    [['--proxy', 'not a url'], /--proxy: proxy URL is not a valid URL/],
    [['--dns-server', 'dns.example'], /--dns-server must be IP or IP:PORT/],
    [['--dns-server', '127.0.0.1:99999'], /--dns-server must be IP or IP:PORT/],
    [['--local-address', 'eth0'], /--local-address must be an IP address/],
    [['--no-ipv4', '--no-ipv6'], /--no-ipv4 and --no-ipv6 cannot both be given/],
    [['--dedupe', 'bogus'], /unknown --dedupe value "bogus"/],
    [['--dedupe', 'cdx:not-a-url'], /--dedupe: dedupe\.cdx\.url is not a URL/],
    [['--metrics-port', '70000'], /--metrics-port must be a port number/],
  ];
  await expectCaptureUsageErrors(url, dir, cases);
  // A port in use is a runtime failure (exit 1, no usage): capture-runtime-problems.test.ts.
  // Nothing was written by any of them (the flags are checked before the writer opens a file).
  expect(readdirSync(dir).filter((f) => f.includes('.warc'))).toEqual([]);
}, 60_000);

test('usage text names the new flags', () => {
  for (const flag of ['--proxy URL', '--proxy-type TYPE', '--dns-server', '--no-ipv4', '--no-ipv6', '--local-address', '--ipv6-anyip', '--dedupe SPEC', '--metrics-port N']) {
    expect(capture.usage).toContain(flag);
  }
});
