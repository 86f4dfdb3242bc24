/** One resolution that went to the network, ready to be archived as a WARC `resource` record. */
export interface DnsCapture {
  /** The name that was resolved (WARC-Target-URI `dns:<host>`). */
  host: string;
  /** When the answer arrived (WARC-Date). */
  date: Date;
  /**
   * The record block (Content-Type `text/dns`): the 14-digit capture time on
   * the first line, then one answer per line in zone-file text, as Heritrix
   * writes it (`example.com.\t300\tIN\tA\t93.184.216.34`). A failed lookup
   * (NXDOMAIN, SERVFAIL, REFUSED…) has a `; rcode NXDOMAIN` comment line after
   * the timestamp, then the authority records (SOA) the reply carried.
   */
  block: string;
  /** 'NOERROR', 'NXDOMAIN', 'SERVFAIL'... */
  rcode: string;
  /** IP address of the DNS server whose reply is archived (WARC-IP-Address), when it is an IP literal. */
  serverAddress?: string;
}

export interface DnsOptions {
  /** 'host' or 'host:port' or '[v6]:port'. Default: nameservers from /etc/resolv.conf. */
  servers?: readonly string[];
  /** Servers asked at once: 1 = one at a time, N = N workers, -1 = all. Default 1. */
  concurrency?: number;
  /** Per-query timeout in ms. Default 5000. */
  timeout?: number;
  /** Entries kept in the cache. Default 10000; 0 disables the cache. */
  cacheSize?: number;
  /** Longest time an answer is cached, in seconds, whatever its TTL. Default 300. */
  cacheMaxTtl?: number;
  /** Resolve (and connect over) IPv4. Default true. */
  ipv4?: boolean;
  /** Resolve (and connect over) IPv6. Default true. */
  ipv6?: boolean;
  /** Path of the hosts file read first. Default /etc/hosts. */
  hostsFile?: string;
  /** Path of resolv.conf. Default /etc/resolv.conf. */
  resolvConf?: string;
}

/** Addresses of one host, by family, after the ipv4/ipv6 filters. */
export interface ResolvedAddresses {
  host: string;
  ipv4: string[];
  ipv6: string[];
  /** Where the answer came from; only 'network' answers are archived. */
  source: 'literal' | 'hosts' | 'cache' | 'network';
}
