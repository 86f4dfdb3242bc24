/** The network flags of the recording commands (`--proxy`, DNS, source addresses) and the dialer settings they make. */
import { isIP } from 'node:net';
import type { WarcClientSettings } from '../../client/settings';
import { parseProxyUrl } from '../../net/proxy-connect';
import type { ProxyType } from '../../net/proxy-pool';
import { UsageError } from '../args';

export const NETWORK_OPTIONS = {
  proxy: { type: 'string', multiple: true },
  'dns-server': { type: 'string', multiple: true },
  'no-ipv4': { type: 'boolean' },
  'no-ipv6': { type: 'boolean' },
  'local-address': { type: 'string', multiple: true },
  'ipv6-anyip': { type: 'boolean' },
} as const;

export const NETWORK_HELP = `Network:
      --proxy URL         connect through this proxy; repeat for a pool (smooth
                          weighted round robin, failover to the next on a failed
                          dial). Schemes: socks4 socks4a socks5 socks5h http https,
                          credentials as user:pass@ (never shown or recorded)
      --dns-server IP[:PORT]  ask this DNS server (repeatable; default: the
                          nameservers of /etc/resolv.conf). Every answer from the
                          network is archived as a dns: resource record
      --no-ipv4           do not resolve or connect over IPv4
      --no-ipv6           do not resolve or connect over IPv6
      --local-address IP  send direct connections from this address (repeatable,
                          used in turn; ignored through a proxy)
      --ipv6-anyip        IPv6 from a random address of an interface's /64
`;

const PROXY_TYPES: readonly ProxyType[] = ['any', 'mobile', 'residential', 'datacenter'];

/** `--dns-server` values: an IP literal ([v6] when a port follows) and an optional port. */
function checkDnsServer(spec: string): string {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  const host = m ? m[1]! : spec;
  const port = m?.[2];
  const ok = m ? isIP(host) !== 0 : isIP(spec) === 6;
  if (!ok || (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))) {
    throw new UsageError(`--dns-server must be IP or IP:PORT ([IPv6]:PORT), got ${JSON.stringify(spec)}`);
  }
  return spec;
}

export interface NetworkFlags {
  proxy?: string[];
  /** capture's own: the type of the --proxy entries, which each of its requests asks for. */
  'proxy-type'?: string;
  'dns-server'?: string[];
  'no-ipv4'?: boolean;
  'no-ipv6'?: boolean;
  'local-address'?: string[];
  'ipv6-anyip'?: boolean;
}

/** The dialer settings of the network flags; bad values are UsageErrors (exit 2). */
export function dialerSettings(v: NetworkFlags): NonNullable<WarcClientSettings['dialer']> {
  const type = v['proxy-type'];
  if (type !== undefined && !PROXY_TYPES.includes(type as ProxyType)) {
    throw new UsageError(`--proxy-type must be one of ${PROXY_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  const proxies = v.proxy ?? [];
  if (type !== undefined && proxies.length === 0) throw new UsageError('--proxy-type needs at least one --proxy');
  for (const url of proxies) {
    try {
      parseProxyUrl(url);
    } catch (err) {
      throw new UsageError(`--proxy: ${(err as Error).message}`);
    }
  }
  if (v['no-ipv4'] && v['no-ipv6']) throw new UsageError('--no-ipv4 and --no-ipv6 cannot both be given');
  const local = v['local-address'] ?? [];
  for (const a of local) if (isIP(a) === 0) throw new UsageError(`--local-address must be an IP address, got ${JSON.stringify(a)}`);
  const servers = (v['dns-server'] ?? []).map(checkDnsServer);
  return {
    ...(proxies.length > 0 ? { proxies: proxies.map((url) => ({ url, type: (type ?? 'any') as ProxyType })) } : {}),
    dns: {
      ...(servers.length > 0 ? { servers } : {}),
      ...(v['no-ipv4'] ? { ipv4: false } : {}),
      ...(v['no-ipv6'] ? { ipv6: false } : {}),
    },
    ...(local.length > 0 ? { localAddresses: local } : {}),
    ...(v['ipv6-anyip'] ? { ipv6AnyIP: true } : {}),
  };
}
