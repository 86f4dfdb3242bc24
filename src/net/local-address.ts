import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import { NetError } from './errors';

export interface LocalAddressOptions {
  /** Source addresses used in turn, each for targets of its own family. */
  localAddresses?: readonly string[];
  /** Pick a random global address of this machine for each connection. */
  randomLocalIp?: boolean;
  /**
   * IPv6 targets leave from a random address inside the /64 of an interface's
   * global IPv6 address. On Linux this needs `ip -6 route add local <prefix>/64 dev lo`
   * and `sysctl net.ipv6.ip_nonlocal_bind=1`.
   */
  ipv6AnyIP?: boolean;
  /** How often the interface list is read again, in ms. Default 60000. */
  refreshIntervalMs?: number;
  /** Source of interfaces; injectable for tests. Default os.networkInterfaces. */
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

/** Interface names of container bridges whose addresses are not ours to send from. */
const SKIPPED_INTERFACES = /^(docker|br-|veth|virbr|cni|flannel)/;

/**
 * Chooses the source address of direct connections. Order of precedence:
 * IPv6 AnyIP (for IPv6 targets), the configured list in round robin, a random
 * global address. Undefined leaves the choice to the kernel.
 */
export class LocalAddressPicker {
  private readonly configured: { 4: string[]; 6: string[] } = { 4: [], 6: [] };
  private readonly nextIndex = { 4: 0, 6: 0 };
  private readonly options: LocalAddressOptions;
  private global: { 4: string[]; 6: string[] } = { 4: [], 6: [] };
  private prefixes64: Buffer[] = [];
  private readAt = -Infinity;

  constructor(options: LocalAddressOptions = {}) {
    this.options = options;
    for (const address of options.localAddresses ?? []) {
      const family = net.isIP(address);
      if (family === 0) throw new NetError('ERR_INVALID_OPTION', `local address "${address}" is not an IP address`);
      this.configured[family as 4 | 6].push(address);
    }
  }

  /** True when this picker ever chooses anything. */
  get active(): boolean {
    return this.configured[4].length + this.configured[6].length > 0 || !!this.options.randomLocalIp || !!this.options.ipv6AnyIP;
  }

  pick(family: 4 | 6): string | undefined {
    if (family === 6 && this.options.ipv6AnyIP) {
      this.refresh();
      const prefix = this.prefixes64[Math.floor(Math.random() * this.prefixes64.length)];
      if (prefix) return randomInPrefix64(prefix);
    }
    const list = this.configured[family];
    if (list.length > 0) {
      const address = list[this.nextIndex[family] % list.length]!;
      this.nextIndex[family] = (this.nextIndex[family] + 1) % list.length;
      return address;
    }
    if (this.options.randomLocalIp) {
      this.refresh();
      const candidates = this.global[family];
      return candidates[Math.floor(Math.random() * candidates.length)];
    }
    return undefined;
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.readAt < (this.options.refreshIntervalMs ?? 60_000)) return;
    this.readAt = now;
    const global: { 4: string[]; 6: string[] } = { 4: [], 6: [] };
    const prefixes = new Map<string, Buffer>();
    const interfaces = (this.options.interfaces ?? os.networkInterfaces)();
    for (const [name, infos] of Object.entries(interfaces)) {
      if (!infos || SKIPPED_INTERFACES.test(name)) continue;
      for (const info of infos) {
        if (info.internal || !isGlobal(info.address)) continue;
        if (info.family === 'IPv4') global[4].push(info.address);
        else {
          global[6].push(info.address);
          const prefix = ipv6Bytes(info.address).subarray(0, 8);
          prefixes.set(prefix.toString('hex'), prefix);
        }
      }
    }
    this.global = global;
    this.prefixes64 = [...prefixes.values()];
  }
}

/** Not loopback, link-local or unspecified. Private ranges count: NATed crawlers only have those. */
export function isGlobal(address: string): boolean {
  if (net.isIPv4(address)) return !address.startsWith('127.') && !address.startsWith('169.254.') && address !== '0.0.0.0';
  const bytes = ipv6Bytes(address);
  if (bytes.every((b, i) => (i < 15 ? b === 0 : b <= 1))) return false; // :: and ::1
  return !(bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80); // fe80::/10
}

/** A random address in the /64 that starts with `prefix` (8 bytes). */
export function randomInPrefix64(prefix: Buffer): string {
  const bytes = Buffer.concat([prefix.subarray(0, 8), randomBytes(8)]);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

export function ipv6Bytes(address: string): Buffer {
  const zoneless = address.split('%')[0]!;
  const [head = '', tail] = zoneless.split('::');
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups[groups.length - 1]!;
    if (last.includes('.')) {
      groups.pop();
      const octets = last.split('.').map(Number);
      groups.push(((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16));
    }
    return groups.map((group) => parseInt(group, 16));
  };
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}
