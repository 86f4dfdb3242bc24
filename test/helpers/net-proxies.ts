import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from './net-daemon';
import { freePort } from './net-ports';

/**
 * Launchers for the Debian proxy daemons the tests use, each on a free port of
 * 127.0.0.1 with its config in a temp dir. Every one returns a Daemon plus the
 * proxy URL to give to warcwire (with the credentials when there are any).
 */
export interface ProxyDaemon extends Daemon {
  /** e.g. socks5://user:pass@127.0.0.1:40123 (scheme chosen by the caller where it matters). */
  url(scheme?: string): string;
}

export interface Credentials {
  user: string;
  password: string;
}

function withUrl(daemon: Daemon, defaultScheme: string, credentials?: Credentials): ProxyDaemon {
  const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
  return Object.assign(daemon, {
    url: (scheme = defaultScheme) => `${scheme}://${auth}${daemon.host}:${daemon.port}`,
  });
}

/**
 * microsocks (SOCKS5). Its output lists each CONNECT as
 * `client[N] 127.0.0.1: connected to HOST:PORT`, HOST as the client sent it.
 */
export async function startMicrosocks(options: { credentials?: Credentials; bind?: string } = {}): Promise<ProxyDaemon> {
  const port = await freePort();
  const auth: string[] = options.credentials ? ['-u', options.credentials.user, '-P', options.credentials.password] : [];
  // -b: the source address of its connections to origins (tells its traffic apart at an origin).
  if (options.bind !== undefined) auth.push('-b', options.bind);
  const daemon = await spawnDaemon({
    name: 'microsocks',
    command: 'microsocks',
    args: () => ['-i', '127.0.0.1', '-p', String(port), ...auth],
    port,
  });
  return withUrl(daemon, 'socks5', options.credentials);
}

/** danted (SOCKS4 and SOCKS5, no authentication). Connections are logged to danted.log. */
export async function startDante(): Promise<ProxyDaemon> {
  const port = await freePort();
  const config = (dir: string): string => `
logoutput: ${join(dir, 'danted.log')}
internal: 127.0.0.1 port = ${port}
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
timeout.negotiate: 10
timeout.io: 60
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  log: connect error
}
socks pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  command: connect
  log: connect error
}
`;
  const daemon = await spawnDaemon({
    name: 'danted',
    command: 'danted',
    args: (dir) => ['-f', join(dir, 'danted.conf'), '-p', join(dir, 'danted.pid'), '-N', '1'],
    files: (dir) => ({ 'danted.conf': config(dir) }),
    logFile: 'danted.log',
    worldWritableDir: true,
    port,
  });
  return withUrl(daemon, 'socks5');
}

/** tinyproxy (HTTP CONNECT), optionally with Basic auth and a source address for its connections to origins. */
export async function startTinyproxy(options: { credentials?: Credentials; bind?: string } = {}): Promise<ProxyDaemon> {
  const port = await freePort();
  const config = (dir: string): string => `
User nobody
Group nogroup
Port ${port}
Listen 127.0.0.1
Timeout 60
LogFile "${join(dir, 'tinyproxy.log')}"
LogLevel Info
PidFile "${join(dir, 'tinyproxy.pid')}"
MaxClients 200
Allow 127.0.0.1
${options.credentials ? `BasicAuth ${options.credentials.user} ${options.credentials.password}` : ''}
${options.bind !== undefined ? `Bind ${options.bind}` : ''}
`;
  const daemon = await spawnDaemon({
    name: 'tinyproxy',
    command: 'tinyproxy',
    args: (dir) => ['-d', '-c', join(dir, 'tinyproxy.conf')],
    files: (dir) => ({ 'tinyproxy.conf': config(dir) }),
    logFile: 'tinyproxy.log',
    worldWritableDir: true,
    port,
  });
  return withUrl(daemon, 'http', options.credentials);
}

/**
 * squid (HTTP CONNECT on http_port; with `tls`, also an https_port so the
 * proxy itself is reached over TLS), optionally with Basic auth checked by
 * basic_ncsa_auth against an htpasswd file.
 */
export async function startSquid(
  options: { credentials?: Credentials; tls?: { cert: string; key: string } } = {},
): Promise<ProxyDaemon & { tlsPort?: number }> {
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const config = (dir: string): string => {
    const lines = [
      `http_port 127.0.0.1:${port}`,
      tlsPort !== undefined ? `https_port 127.0.0.1:${tlsPort} tls-cert=${join(dir, 'cert.pem')} tls-key=${join(dir, 'key.pem')}` : '',
      `pid_filename ${join(dir, 'squid.pid')}`,
      `cache_log ${join(dir, 'cache.log')}`,
      `access_log stdio:${join(dir, 'access.log')}`,
      'cache deny all',
      'cache_mem 4 MB',
      `coredump_dir ${dir}`,
      'cache_effective_user proxy',
      'shutdown_lifetime 0 seconds',
      `hosts_file /etc/hosts`,
      'dns_nameservers 127.0.0.1',
      'acl SSL_ports port 1-65535',
      'acl CONNECT method CONNECT',
      'acl loopback src 127.0.0.0/8 ::1',
    ];
    if (options.credentials) {
      lines.push(
        `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${join(dir, 'passwd')}`,
        'auth_param basic realm warcwire-test',
        'acl authenticated proxy_auth REQUIRED',
        'http_access deny !authenticated',
      );
    }
    lines.push('http_access allow loopback', 'http_access deny all');
    return lines.join('\n') + '\n';
  };
  const daemon = await spawnDaemon({
    name: 'squid',
    command: 'squid',
    args: (dir) => ['-N', '-f', join(dir, 'squid.conf')],
    files: (dir) => {
      const files: Record<string, string> = { 'squid.conf': config(dir) };
      if (options.credentials) {
        const hash = execFileSync('openssl', ['passwd', '-1', options.credentials.password], { encoding: 'utf8' }).trim();
        files.passwd = `${options.credentials.user}:${hash}\n`;
      }
      if (options.tls) {
        files['cert.pem'] = options.tls.cert;
        files['key.pem'] = options.tls.key;
      }
      return files;
    },
    logFile: 'access.log',
    worldWritableDir: true,
    port,
    startTimeoutMs: 45000,
  });
  const result = withUrl(daemon, 'http', options.credentials) as ProxyDaemon & { tlsPort?: number };
  if (tlsPort !== undefined) result.tlsPort = tlsPort;
  return result;
}

/** Writes a file into a daemon's dir (e.g. to add hosts entries). */
export function writeDaemonFile(daemon: Daemon, name: string, text: string): string {
  const path = join(daemon.dir, name);
  writeFileSync(path, text);
  return path;
}

export interface DnsmasqOptions {
  /** name → addresses (IPv4 and/or IPv6), served from a hosts file with `ttl`. */
  records: Record<string, readonly string[]>;
  /** Names under these domains that are not in `records` get NXDOMAIN. Default ['test']. */
  localDomains?: readonly string[];
  /** TTL of the answers in seconds. Default 60. */
  ttl?: number;
  /** Extra dnsmasq arguments. */
  extraArgs?: readonly string[];
}

/**
 * dnsmasq on a free loopback port (UDP and TCP) answering only from a hosts
 * file: fixed A/AAAA answers, NXDOMAIN for unknown names in `localDomains`.
 * Every query is logged (`query[A] name from 127.0.0.1`); see queries().
 */
export async function startDnsmasq(options: DnsmasqOptions): Promise<Daemon & { server: string; queries(name?: string): string[] }> {
  const port = await freePort();
  const hosts = Object.entries(options.records)
    .flatMap(([name, addresses]) => addresses.map((address) => `${address} ${name}`))
    .join('\n');
  const daemon = await spawnDaemon({
    name: 'dnsmasq',
    command: 'dnsmasq',
    args: (dir) => [
      '-k',
      '--conf-file=/dev/null',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--user=root',
      `--addn-hosts=${join(dir, 'hosts')}`,
      `--local-ttl=${options.ttl ?? 60}`,
      ...(options.localDomains ?? ['test']).map((domain) => `--local=/${domain}/`),
      '--log-queries',
      `--log-facility=${join(dir, 'dnsmasq.log')}`,
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      ...(options.extraArgs ?? []),
    ],
    files: () => ({ hosts: `${hosts}\n` }),
    logFile: 'dnsmasq.log',
    port,
  });
  return Object.assign(daemon, {
    server: `127.0.0.1:${port}`,
    queries(name?: string): string[] {
      return daemon
        .log()
        .split('\n')
        .filter((line) => /query\[(A|AAAA)\]/.test(line) && (name === undefined || line.includes(` ${name} `)));
    },
  });
}
