import type * as os from 'node:os';
import { NetError } from '../../src/net/errors';
import { ipv6Bytes, isGlobal, LocalAddressPicker, randomInPrefix64 } from '../../src/net/local-address';

function info(address: string, extra: Partial<os.NetworkInterfaceInfo> = {}): os.NetworkInterfaceInfo {
  const v6 = address.includes(':');
  return {
    address,
    netmask: v6 ? 'ffff:ffff:ffff:ffff::' : '255.255.255.0',
    family: v6 ? 'IPv6' : 'IPv4',
    mac: '00:00:00:00:00:00',
    internal: false,
    cidr: null,
    ...(v6 ? { scopeid: 0 } : {}),
    ...extra,
  } as os.NetworkInterfaceInfo;
}

const interfaces = (): NodeJS.Dict<os.NetworkInterfaceInfo[]> => ({
  lo: [info('127.0.0.1', { internal: true }), info('::1', { internal: true })],
  eth0: [info('192.0.2.10'), info('2001:db8:aa:bb::10'), info('fe80::1')],
  eth1: [info('198.51.100.7')],
  docker0: [info('172.17.0.1')],
  'br-1234': [info('172.18.0.1')],
});

describe('LocalAddressPicker', () => {
  it('round robin over configured addresses, per family', () => {
    const picker = new LocalAddressPicker({ localAddresses: ['10.0.0.1', '10.0.0.2', '2001:db8::1'] });
    expect([picker.pick(4), picker.pick(4), picker.pick(4)]).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1']);
    expect([picker.pick(6), picker.pick(6)]).toEqual(['2001:db8::1', '2001:db8::1']);
    expect(new LocalAddressPicker({ localAddresses: ['10.0.0.1'] }).pick(6)).toBeUndefined();
  });

  it('randomLocalIp uses global addresses only: no loopback, link-local or docker bridges', () => {
    const picker = new LocalAddressPicker({ randomLocalIp: true, interfaces });
    const v4 = new Set(Array.from({ length: 200 }, () => picker.pick(4)));
    expect(v4).toEqual(new Set(['192.0.2.10', '198.51.100.7']));
    const v6 = new Set(Array.from({ length: 50 }, () => picker.pick(6)));
    expect(v6).toEqual(new Set(['2001:db8:aa:bb::10']));
  });

  it('re-reads the interfaces after the refresh interval', () => {
    let list = interfaces();
    const picker = new LocalAddressPicker({ randomLocalIp: true, interfaces: () => list, refreshIntervalMs: 0 });
    expect(['192.0.2.10', '198.51.100.7']).toContain(picker.pick(4));
    list = { eth9: [info('203.0.113.9')] };
    expect(picker.pick(4)).toBe('203.0.113.9');
  });

  it('ipv6AnyIP draws random addresses from the /64 of a global IPv6 address', () => {
    const picker = new LocalAddressPicker({ ipv6AnyIP: true, interfaces });
    const picks = Array.from({ length: 20 }, () => picker.pick(6)!);
    for (const address of picks) expect(ipv6Bytes(address).subarray(0, 8)).toEqual(ipv6Bytes('2001:db8:aa:bb::').subarray(0, 8));
    expect(new Set(picks).size).toBe(20);
    expect(picker.pick(4)).toBeUndefined(); // AnyIP is IPv6 only
  });

  it('is inactive without options and rejects non-IP local addresses', () => {
    expect(new LocalAddressPicker().active).toBe(false);
    expect(() => new LocalAddressPicker({ localAddresses: ['eth0'] })).toThrow(NetError);
  });
});

describe('address helpers', () => {
  it('classifies global addresses', () => {
    expect(isGlobal('192.0.2.1')).toBe(true);
    expect(isGlobal('10.1.2.3')).toBe(true); // NATed machines only have private ones
    expect(isGlobal('127.0.0.1')).toBe(false);
    expect(isGlobal('169.254.1.1')).toBe(false);
    expect(isGlobal('::1')).toBe(false);
    expect(isGlobal('::')).toBe(false);
    expect(isGlobal('fe80::1')).toBe(false);
    expect(isGlobal('2001:db8::1')).toBe(true);
  });

  it('parses IPv6 text and builds addresses in a /64', () => {
    expect(ipv6Bytes('2001:db8::1').toString('hex')).toBe('20010db8000000000000000000000001');
    expect(ipv6Bytes('::ffff:192.0.2.1').toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect(ipv6Bytes('fe80::1%eth0').toString('hex')).toBe('fe800000000000000000000000000001');
    const address = randomInPrefix64(ipv6Bytes('2001:db8:1:2::'));
    expect(address.startsWith('2001:db8:1:2:')).toBe(true);
    expect(address.split(':')).toHaveLength(8);
  });
});
