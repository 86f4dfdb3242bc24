import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { METRICS } from '../../src/obs/metric-names';
import { PrometheusRegistry } from '../../src/obs/registry';
import { startHttp, type Running } from '../helpers/client-servers';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startDnsmasq } from '../helpers/net-proxies';
import { readAll, type ReadBack } from '../helpers/warc-read';
import { warcioRead } from '../helpers/warc-tools';

// Names served by dnsmasq on a high loopback port: the client's dialer resolves
// them over the network, and every such resolution becomes a `dns:` resource record.

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

let dns: Awaited<ReturnType<typeof startDnsmasq>>;
let a: Running;
let b: Running;
let dir: string;

beforeAll(async () => {
  dns = await startDnsmasq({ records: { 'site.test': ['127.0.0.1'] }, ttl: 60 });
  a = await startHttp((req, res) => res.end(`a ${req.url}`));
  b = await startHttp((req, res) => res.end(`b ${req.url}`));
}, 60_000);

afterAll(async () => {
  await stopAllDaemons();
  await a?.close();
  await b?.close();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-dns-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a network resolution writes one dns: resource record; a cache hit writes none', async () => {
  const metrics = new PrometheusRegistry();
  const client = await WarcClient.create({
    writer: { directory: dir },
    dialer: { dns: { servers: [dns.server], ipv6: false } },
    metrics,
  });
  const before = new Date();
  const first = await client.fetch(`http://site.test:${a.port}/one`);
  expect(await first.text()).toBe('a /one');
  await first.written;
  const after = new Date();
  // Another port of the same name: a new connection, so a new dial, answered from the DNS cache.
  const second = await client.fetch(`http://site.test:${b.port}/two`);
  expect(await second.text()).toBe('b /two');
  await second.written;
  expect(client.stats.dnsRecords).toBe(1);
  await client.close();

  expect(dns.queries('site.test')).toHaveLength(1); // ipv6: false → only the A question went out
  expect(metrics.value(METRICS.dnsQueries.name)).toBe(1);
  expect(metrics.value(METRICS.dnsCacheHits.name)).toBe(1);
  expect(metrics.value(METRICS.recordsWritten.name, { type: 'resource' })).toBe(1);

  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  expect(files).toHaveLength(1);
  const { records, issues } = await readAll(join(dir, files[0]!));
  expect(issues).toEqual([]);
  const resources = records.filter((r) => r.type === 'resource');
  expect(resources).toHaveLength(1);
  const rec = resources[0]!;
  expect(field(rec, 'WARC-Target-URI')).toBe('dns:site.test');
  expect(field(rec, 'Content-Type')).toBe('text/dns');
  const date = new Date(field(rec, 'WARC-Date')!);
  expect(date.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);
  expect(date.getTime()).toBeLessThanOrEqual(after.getTime());
  const lines = rec.block.toString('utf8').split('\n');
  expect(lines[0]).toBe(field(rec, 'WARC-Date')!.replace(/[-:T]/g, '').slice(0, 14));
  expect(lines[1]).toBe('site.test.\t60\tIN\tA\t127.0.0.1');
  // The DNS record is in the file before the pair of the request it served.
  const order = records.map((r) => r.type);
  expect(order.indexOf('resource')).toBeLessThan(order.indexOf('response'));
  expect(records.filter((r) => r.type === 'response')).toHaveLength(2);

  // An independent reader sees the same record.
  const seen = warcioRead(join(dir, files[0]!)).filter((r) => r.type === 'resource');
  expect(seen.map((r) => [r.targetUri, r.contentType, r.blockLength])).toEqual([['dns:site.test', 'text/dns', rec.block.length]]);
}, 60_000);

test('NXDOMAIN is archived too, and the request fails with a typed DNS error counted as kind "dns"', async () => {
  const metrics = new PrometheusRegistry();
  const client = await WarcClient.create({
    writer: { directory: dir },
    dialer: { dns: { servers: [dns.server], ipv6: false } },
    metrics,
  });
  await expect(client.fetch(`http://missing.test:${a.port}/`)).rejects.toMatchObject({ code: 'ERR_DNS_NXDOMAIN', host: 'missing.test' });
  await client.close();
  expect(client.stats.dnsRecords).toBe(1);
  expect(metrics.value(METRICS.errors.name, { kind: 'dns' })).toBe(1);
  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  const { records } = await readAll(join(dir, files[0]!));
  expect(records.map((r) => [r.type, field(r, 'WARC-Target-URI')])).toEqual([
    ['warcinfo', undefined],
    ['resource', 'dns:missing.test'],
  ]);
}, 60_000);

test('archiveDns: false writes no DNS record but still resolves through the configured server', async () => {
  const client = await WarcClient.create({
    writer: { directory: dir },
    dialer: { dns: { servers: [dns.server], ipv6: false, cacheSize: 0 } },
    archiveDns: false,
  });
  const queriesBefore = dns.queries('site.test').length;
  const res = await client.fetch(`http://site.test:${a.port}/off`);
  expect(await res.text()).toBe('a /off');
  await res.written;
  await client.close();
  expect(client.stats.dnsRecords).toBe(0);
  expect(dns.queries('site.test').length).toBe(queriesBefore + 1);
  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  const { records } = await readAll(join(dir, files[0]!));
  expect(records.filter((r) => r.type === 'resource')).toHaveLength(0);
}, 60_000);
