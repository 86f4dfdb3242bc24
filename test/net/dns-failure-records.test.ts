/**
 * What a DNS record says when the lookup failed (NXDOMAIN, SERVFAIL, REFUSED):
 * a `; rcode X` comment line after the timestamp, then the authority records
 * (SOA) of the reply; and every DNS record names the server that answered in
 * WARC-IP-Address. The server is a real UDP socket answering with a chosen rcode.
 */
import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { DnsResolver } from '../../src/net/dns-resolver';
import { dnsResourceRecord } from '../../src/net/dns-record';
import type { DnsCapture } from '../../src/net/dns-types';

const RCODE_NUMBERS = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
type Rcode = keyof typeof RCODE_NUMBERS;

const SOA: dnsPacket.Answer = {
  type: 'SOA',
  name: 'test',
  ttl: 60,
  class: 'IN',
  data: { mname: 'ns.test', rname: 'hostmaster.test', serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 30 },
};

/** A UDP DNS server on 127.0.0.1 answering every question with `rcode` (A 127.0.0.9 for NOERROR; the SOA for NXDOMAIN). */
async function fakeServer(rcode: Rcode): Promise<{ server: string; close(): void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions![0]!;
    const answers: dnsPacket.Answer[] = rcode === 'NOERROR' && question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 60, class: 'IN', data: '127.0.0.9' }] : [];
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | RCODE_NUMBERS[rcode],
      questions: query.questions,
      answers,
      authorities: rcode === 'NXDOMAIN' ? [SOA] : [],
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}

async function capture(rcode: Rcode, host: string): Promise<{ capture: DnsCapture; error: unknown }> {
  const fake = await fakeServer(rcode);
  try {
    const captures: DnsCapture[] = [];
    const resolver = new DnsResolver({ servers: [fake.server], ipv6: false, onRecord: (c) => captures.push(c) });
    const error = await resolver.resolve(host).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(captures).toHaveLength(1);
    return { capture: captures[0]!, error };
  } finally {
    fake.close();
  }
}

function ipField(c: DnsCapture): string | undefined {
  return dnsResourceRecord(c).fields?.find(([name]) => name === 'WARC-IP-Address')?.[1];
}

test('NXDOMAIN: the block says so and carries the SOA of the reply', async () => {
  const { capture: c, error } = await capture('NXDOMAIN', 'missing.test');
  expect(error).toMatchObject({ code: 'ERR_DNS_NXDOMAIN' });
  expect(c.rcode).toBe('NXDOMAIN');
  expect(c.block).toMatch(/^\d{14}\n; rcode NXDOMAIN\ntest\.\t60\tIN\tSOA\tns\.test\. hostmaster\.test\. 7 3600 600 86400 30\n$/);
  expect(ipField(c)).toBe('127.0.0.1');
});

test.each(['SERVFAIL', 'REFUSED'] as const)('%s: the block says so after the timestamp', async (rcode) => {
  const { capture: c, error } = await capture(rcode, 'broken.test');
  expect(error).toMatchObject({ code: rcode === 'SERVFAIL' ? 'ERR_DNS_SERVFAIL' : 'ERR_DNS_REFUSED', rcode });
  expect(c.rcode).toBe(rcode);
  expect(c.block).toMatch(new RegExp(`^\\d{14}\\n; rcode ${rcode}\\n$`));
  expect(ipField(c)).toBe('127.0.0.1');
});

test('a good answer has no comment line and names the server in WARC-IP-Address', async () => {
  const { capture: c, error } = await capture('NOERROR', 'fine.test');
  expect(error).toBeUndefined();
  expect(c.block).toMatch(/^\d{14}\nfine\.test\.\t60\tIN\tA\t127\.0\.0\.9\n$/);
  expect(c.serverAddress).toBe('127.0.0.1');
  expect(dnsResourceRecord(c)).toMatchObject({ type: 'resource', targetUri: 'dns:fine.test', contentType: 'text/dns' });
  expect(ipField(c)).toBe('127.0.0.1');
});
