import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../../src/backend';
import { dnsResourceRecord } from '../../src/net/dns-record';
import { DnsResolver } from '../../src/net/dns-resolver';
import type { DnsCapture } from '../../src/net/dns-types';
import { WarcWriter } from '../../src/warc/write/writer';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startDnsmasq } from '../helpers/net-proxies';
import { warcioReadHttp } from '../helpers/warc-tools';

afterAll(async () => {
  await stopAllDaemons();
});

test('a DNS answer from dnsmasq becomes a resource record warcio reads back', async () => {
  const dns = await startDnsmasq({ records: { 'both.test': ['127.0.0.1', '::1'] }, ttl: 120 });
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-dns-record-'));
  try {
    const captures: DnsCapture[] = [];
    const resolver = new DnsResolver({ servers: [dns.server], onRecord: (c) => captures.push(c) });
    await resolver.resolve('both.test');
    await resolver.resolve('both.test'); // cache hit: no second record
    const writer = new WarcWriter({ directory: dir, backend: loadBackend() });
    await writer.write(captures.map(dnsResourceRecord));
    await writer.close();
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    const records = warcioReadHttp(join(dir, file!)).filter((r) => r.type !== 'warcinfo');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 'resource', targetUri: 'dns:both.test', contentType: 'text/dns' });
    // WARC-IP-Address: the DNS server that answered, as Heritrix writes it.
    expect(records[0]!.ipAddress).toBe(dns.server.replace(/:\d+$/, ''));
    expect(records[0]!.text).toBe(captures[0]!.block);
    expect(records[0]!.text).toMatch(/^\d{14}\nboth\.test\.\t120\tIN\tA\t127\.0\.0\.1\nboth\.test\.\t120\tIN\tAAAA\t::1\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
