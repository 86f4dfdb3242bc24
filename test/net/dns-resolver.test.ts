import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsResolver } from '../../src/net/dns-resolver';
import type { DnsCapture } from '../../src/net/dns-types';
import { DnsError } from '../../src/net/errors';
import { parseHosts, parseResolvConf } from '../../src/net/hosts-file';
import { stopAllDaemons, type Daemon } from '../helpers/net-daemon';
import { freePort } from '../helpers/net-ports';
import { startDnsmasq } from '../helpers/net-proxies';

type Dnsmasq = Daemon & { server: string; queries(name?: string): string[] };

const many = Array.from({ length: 150 }, (_, i) => `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`);
const records = {
  'both.test': ['127.0.0.1', '::1'],
  'v4.test': ['127.0.0.2'],
  'shared.test': ['127.0.0.3'],
  'v6.test': ['::1'],
  'many.test': many,
  'ttl.test': ['127.0.0.4'],
  'family.test': ['127.0.0.5', '::1'],
};

let dnsA: Dnsmasq;
let dnsB: Dnsmasq;
let deadPort: number;

beforeAll(async () => {
  deadPort = await freePort();
  await Promise.all([
    startDnsmasq({ records }).then((d) => (dnsA = d)),
    startDnsmasq({ records }).then((d) => (dnsB = d)),
  ]);
}, 90000);

afterAll(async () => {
  await stopAllDaemons();
});

function capturing(options: ConstructorParameters<typeof DnsResolver>[0] = {}): { resolver: DnsResolver; captures: DnsCapture[] } {
  const captures: DnsCapture[] = [];
  const resolver = new DnsResolver({ servers: [dnsA.server], timeout: 2000, ...options, onRecord: (c) => captures.push(c) });
  return { resolver, captures };
}

describe('DnsResolver against dnsmasq', () => {
  it('resolves A and AAAA, archives once in Heritrix zone text, then serves the cache without a record', async () => {
    const { resolver, captures } = capturing();
    const before = Date.now();
    const first = await resolver.resolve('both.test');
    expect(first).toEqual({ host: 'both.test', ipv4: ['127.0.0.1'], ipv6: ['::1'], source: 'network' });
    expect(captures).toHaveLength(1);
    const capture = captures[0]!;
    expect(capture.host).toBe('both.test');
    expect(capture.rcode).toBe('NOERROR');
    expect(capture.date.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const lines = capture.block.split('\n');
    expect(lines[0]).toMatch(/^\d{14}$/);
    expect(lines[0]).toBe(capture.date.toISOString().replace(/[-:T]/g, '').slice(0, 14));
    expect(lines.slice(1)).toEqual(['both.test.\t60\tIN\tA\t127.0.0.1', 'both.test.\t60\tIN\tAAAA\t::1', '']);
    expect(dnsA.queries('both.test')).toHaveLength(2); // one A, one AAAA

    const second = await resolver.resolve('BOTH.test.');
    expect(second).toEqual({ host: 'both.test', ipv4: ['127.0.0.1'], ipv6: ['::1'], source: 'cache' });
    expect(captures).toHaveLength(1);
    expect(dnsA.queries('both.test')).toHaveLength(2);
  });

  it('concurrent lookups of one name share one query and one record', async () => {
    const { resolver, captures } = capturing();
    const results = await Promise.all(Array.from({ length: 8 }, () => resolver.resolve('shared.test')));
    for (const result of results) expect(result.ipv4).toEqual(['127.0.0.3']);
    expect(captures).toHaveLength(1);
    expect(dnsA.queries('shared.test')).toHaveLength(2);
  });

  it('ipv4: false asks only for AAAA and returns only IPv6', async () => {
    const { resolver, captures } = capturing({ ipv4: false });
    const result = await resolver.resolve('family.test');
    expect(result).toEqual({ host: 'family.test', ipv4: [], ipv6: ['::1'], source: 'network' });
    expect(dnsA.queries('family.test').every((line) => line.includes('query[AAAA]'))).toBe(true);
    expect(dnsA.queries('family.test')).toHaveLength(1);
    expect(captures[0]!.block).not.toContain('\tA\t');
    // A v4-only name has nothing left: typed error naming the host.
    await expect(resolver.resolve('v4.test')).rejects.toMatchObject({ code: 'ERR_DNS_NO_ADDRESS', host: 'v4.test' });
  });

  it('ipv6: false returns only IPv4', async () => {
    const { resolver } = capturing({ ipv6: false });
    await expect(resolver.resolve('both.test')).resolves.toMatchObject({ ipv4: ['127.0.0.1'], ipv6: [] });
  });

  it('NXDOMAIN is a typed error naming the host, and is archived', async () => {
    const { resolver, captures } = capturing();
    const error = (await resolver.resolve('missing.test').catch((e: unknown) => e)) as DnsError;
    expect(error).toBeInstanceOf(DnsError);
    expect(error.code).toBe('ERR_DNS_NXDOMAIN');
    expect(error.host).toBe('missing.test');
    expect(error.message).toContain('missing.test');
    expect(captures).toHaveLength(1);
    expect(captures[0]).toMatchObject({ host: 'missing.test', rcode: 'NXDOMAIN' });
    expect(captures[0]!.block).toMatch(/^\d{14}\n/);
  });

  it('SERVFAIL is a typed error naming the host, and is archived', async () => {
    // dnsmasq stays silent when its upstream is dead, so a failing server is played
    // by a real UDP socket that answers every question with SERVFAIL.
    const failing = dgram.createSocket('udp4');
    failing.on('message', (message, peer) => {
      const query = dnsPacket.decode(message);
      const reply = dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.RECURSION_DESIRED | 2, questions: query.questions });
      failing.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => failing.bind(0, '127.0.0.1', resolve));
    try {
      const { resolver, captures } = capturing({ servers: [`127.0.0.1:${failing.address().port}`] });
      const error = (await resolver.resolve('broken.test').catch((e: unknown) => e)) as DnsError;
      expect(error).toBeInstanceOf(DnsError);
      expect(error.code).toBe('ERR_DNS_SERVFAIL');
      expect(error.rcode).toBe('SERVFAIL');
      expect(error.host).toBe('broken.test');
      expect(error.message).toContain('broken.test');
      expect(captures).toEqual([expect.objectContaining({ host: 'broken.test', rcode: 'SERVFAIL' })]);
    } finally {
      failing.close();
    }
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const { resolver, captures } = capturing({ ipv6: false });
    const result = await resolver.resolve('many.test');
    expect(result.ipv4).toHaveLength(150); // more than fits in 1232 bytes of UDP
    expect(new Set(result.ipv4)).toEqual(new Set(many));
    expect(captures[0]!.block.trim().split('\n')).toHaveLength(151);
  });

  it('caches for min(TTL, cacheMaxTtl)', async () => {
    let now = 1_000_000;
    const { resolver, captures } = capturing({ cacheMaxTtl: 10, now: () => now });
    await resolver.resolve('ttl.test');
    now += 9_000;
    expect((await resolver.resolve('ttl.test')).source).toBe('cache');
    now += 2_000; // 11 s > max 10 s < TTL 60 s
    expect((await resolver.resolve('ttl.test')).source).toBe('network');
    expect(captures).toHaveLength(2);

    const long = capturing({ cacheMaxTtl: 3600, now: () => now });
    await long.resolver.resolve('ttl.test');
    now += 59_000;
    expect((await long.resolver.resolve('ttl.test')).source).toBe('cache');
    now += 2_000; // past the record's 60 s TTL
    expect((await long.resolver.resolve('ttl.test')).source).toBe('network');
  });

  it('rotates the starting server between lookups (one server at a time)', async () => {
    const { resolver } = capturing({ servers: [dnsA.server, dnsB.server], concurrency: 1 });
    const aBefore = dnsA.queries('v6.test').length;
    const bBefore = dnsB.queries('v6.test').length;
    await resolver.resolve('v6.test');
    await resolver.close(); // clears the cache
    await resolver.resolve('v6.test');
    expect(dnsA.queries('v6.test').length - aBefore).toBe(2);
    expect(dnsB.queries('v6.test').length - bBefore).toBe(2);
  });

  it('moves on to the next server when one does not answer, and asks all at once with concurrency -1', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const silentServer = `127.0.0.1:${silent.address().port}`;
    try {
      const sequential = capturing({ servers: [silentServer, dnsB.server], concurrency: 1, timeout: 300 });
      await expect(sequential.resolver.resolve('both.test')).resolves.toMatchObject({ ipv4: ['127.0.0.1'] });
      const parallel = capturing({ servers: [silentServer, dnsB.server], concurrency: -1, timeout: 5000 });
      const started = Date.now();
      await expect(parallel.resolver.resolve('v4.test')).resolves.toMatchObject({ ipv4: ['127.0.0.2'] });
      expect(Date.now() - started).toBeLessThan(4000); // did not wait for the silent server
      const none = capturing({ servers: [silentServer], timeout: 200 });
      const error = (await none.resolver.resolve('both.test').catch((e: unknown) => e)) as DnsError;
      expect(error.code).toBe('ERR_DNS_TIMEOUT');
      expect(none.captures).toHaveLength(0); // nothing answered: nothing to archive
    } finally {
      silent.close();
    }
  });
});

describe('DnsResolver cancellation', () => {
  it('an abort ends one waiter; the shared query stops only when the last waiter leaves', async () => {
    const silent = dgram.createSocket('udp4');
    let received = 0;
    silent.on('message', () => (received += 1));
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const resolver = new DnsResolver({ servers: [`127.0.0.1:${silent.address().port}`], timeout: 60_000 });
      const first = new AbortController();
      const second = new AbortController();
      const a = resolver.resolve('slow.test', { signal: first.signal });
      const b = resolver.resolve('slow.test', { signal: second.signal });
      while (received < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      first.abort();
      await expect(a).rejects.toMatchObject({ code: 'ERR_ABORTED', host: 'slow.test' });
      second.abort();
      await expect(b).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toBe(2); // one A and one AAAA, once, for both waiters
      // Cancelled, not stuck: a new lookup starts a new query instead of joining a dead one.
      const c = new AbortController();
      const again = resolver.resolve('slow.test', { signal: c.signal });
      c.abort();
      await expect(again).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    } finally {
      silent.close();
    }
  });
});

describe('DnsResolver without the network', () => {
  it('answers localhost from /etc/hosts with no DNS server at all, and does not archive it', async () => {
    const captures: DnsCapture[] = [];
    const resolver = new DnsResolver({ servers: [`127.0.0.1:${deadPort}`], timeout: 200, onRecord: (c) => captures.push(c) });
    const result = await resolver.resolve('localhost');
    expect(result.source).toBe('hosts');
    expect(result.ipv4).toContain('127.0.0.1');
    expect(captures).toHaveLength(0);
  });

  it('IP literals skip DNS', async () => {
    const captures: DnsCapture[] = [];
    const resolver = new DnsResolver({ servers: [`127.0.0.1:${deadPort}`], onRecord: (c) => captures.push(c) });
    await expect(resolver.resolve('192.0.2.7')).resolves.toEqual({ host: '192.0.2.7', ipv4: ['192.0.2.7'], ipv6: [], source: 'literal' });
    await expect(resolver.resolve('[2001:db8::5]')).resolves.toEqual({ host: '2001:db8::5', ipv4: [], ipv6: ['2001:db8::5'], source: 'literal' });
    expect(captures).toHaveLength(0);
  });

  it('reads nameservers from resolv.conf by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warcwire-resolv-'));
    try {
      writeFileSync(join(dir, 'resolv.conf'), '# comment\nsearch example\nnameserver 127.0.0.1\noptions ndots:1\n');
      writeFileSync(join(dir, 'hosts'), '');
      const resolver = new DnsResolver({ resolvConf: join(dir, 'resolv.conf'), hostsFile: join(dir, 'hosts'), timeout: 200 });
      const error = (await resolver.resolve('anything.test').catch((e: unknown) => e)) as DnsError;
      expect(error).toBeInstanceOf(DnsError);
      expect(error.message).toContain('127.0.0.1:53');
      const empty = new DnsResolver({ resolvConf: join(dir, 'missing.conf'), hostsFile: join(dir, 'hosts') });
      await expect(empty.resolve('anything.test')).rejects.toMatchObject({ code: 'ERR_DNS_NO_SERVERS', host: 'anything.test' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses hosts and resolv.conf text', () => {
    const table = parseHosts('127.0.0.1 localhost loc\n::1 localhost ip6-localhost # c\n# x\nbad line\n10.0.0.1 Web.Local\n');
    expect(table.get('localhost')).toEqual({ ipv4: ['127.0.0.1'], ipv6: ['::1'] });
    expect(table.get('web.local')).toEqual({ ipv4: ['10.0.0.1'], ipv6: [] });
    expect(parseResolvConf('nameserver 1.1.1.1\nnameserver ::1\nnameserver bogus\n')).toEqual(['1.1.1.1', '::1']);
  });
});
