import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureList, type CaptureListResult, type CaptureProgress } from '../../client/capture-list';
import type { WarcClientSettings } from '../../client/settings';
import { WarcClient } from '../../client/warc-client';
import { createDedupeIndex } from '../../dedupe/dedupe-index';
import { dedupeSavings } from '../../dedupe/savings';
import { parseDedupeSpecs } from '../../dedupe/spec';
import type { DedupeIndex } from '../../dedupe/types';
import { parseProxyUrl } from '../../net/proxy-connect';
import type { ProxyType } from '../../net/proxy-pool';
import { createMetricsServer, type MetricsServer } from '../../obs/metrics-server';
import { PrometheusRegistry } from '../../obs/registry';
import { errorMessage, UsageError, write } from '../args';
import type { CliCommand, CliIO } from '../command';

const usage = `Usage: warcwire capture [options] URL...
       warcwire capture [options] --input FILE

Fetches each URL with the capturing client and writes every exchange (exact
request and response bytes) to WARC files as response/request record pairs.

  -i, --input FILE        read URLs from FILE, one per line ('#' starts a comment)
  -o, --output DIR        directory for the WARC files (default: .)
      --prefix NAME       file name prefix (default: WARC)
      --compression C     gzip | zstd | none (default: gzip)
      --digest ALG        sha1 | sha256 (default: sha1)
      --concurrency N     requests in flight (default: 8)
      --follow-redirects  follow redirects, recording every hop
      --insecure          do not verify TLS certificates (archive broken-cert sites)

Network:
      --proxy URL         connect through this proxy; repeat for a pool (smooth
                          weighted round robin, failover to the next on a failed
                          dial). Schemes: socks4 socks4a socks5 socks5h http https,
                          credentials as user:pass@ (never shown or recorded)
      --proxy-type TYPE   any | mobile | residential | datacenter: the type of the
                          --proxy entries, and the type every request asks for
      --dns-server IP[:PORT]  ask this DNS server (repeatable; default: the
                          nameservers of /etc/resolv.conf). Every answer from the
                          network is archived as a dns: resource record
      --no-ipv4           do not resolve or connect over IPv4
      --no-ipv6           do not resolve or connect over IPv6
      --local-address IP  send direct connections from this address (repeatable,
                          used in turn; ignored through a proxy)
      --ipv6-anyip        IPv6 from a random address of an interface's /64

Deduplication and metrics:
      --dedupe SPEC       write a revisit for a payload already archived; SPEC is
                          local[:MAX] | redis://host:port/db | cdx:URL |
                          doppelganger:URL (repeatable; looked up in that order)
      --metrics-port N    serve Prometheus /metrics on 127.0.0.1:N while capturing

Prints progress (a bar on a terminal, a line every few seconds otherwise) and a
summary (with DNS records and dedupe savings). Exit status 1 when any URL
failed, each failure named; 2 for a bad option value.
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

interface NetworkFlags {
  proxy?: string[];
  'proxy-type'?: string;
  'dns-server'?: string[];
  'no-ipv4'?: boolean;
  'no-ipv6'?: boolean;
  'local-address'?: string[];
  'ipv6-anyip'?: boolean;
}

/** The dialer settings of the network flags; bad values are UsageErrors (exit 2). */
function dialerSettings(v: NetworkFlags): NonNullable<WarcClientSettings['dialer']> {
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

function metricsPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--metrics-port must be a port number 0-65535, got ${JSON.stringify(value)}`);
  return port;
}

function dedupeIndex(specs: readonly string[] | undefined, registry: PrometheusRegistry, digest: 'sha1' | 'sha256'): DedupeIndex | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  try {
    return createDedupeIndex(parseDedupeSpecs(specs, { metrics: registry, digestAlgorithm: digest }));
  } catch (err) {
    throw new UsageError(`--dedupe: ${(err as Error).message}`);
  }
}


function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Progress on a TTY: one rewritten bar line; otherwise one line every few seconds. */
function progressReporter(io: CliIO): { update(p: CaptureProgress): void; end(): void } {
  let last: CaptureProgress | undefined;
  if (io.stderr.isTTY) {
    return {
      update(p) {
        last = p;
        const width = 30;
        const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
        io.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}  ${formatBytes(p.bytes)}  ${p.failed} failed `);
      },
      end() {
        if (last) io.stderr.write('\n');
      },
    };
  }
  const timer = setInterval(() => {
    if (last) io.stderr.write(`progress: ${last.done}/${last.total} done, ${last.failed} failed, ${formatBytes(last.bytes)}\n`);
  }, 2000);
  timer.unref();
  return {
    update(p) {
      last = p;
    },
    end() {
      clearInterval(timer);
    },
  };
}

export async function readUrlList(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}

const command: CliCommand = {
  name: 'capture',
  summary: 'fetch URLs and record every exchange into WARC files',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        input: { type: 'string', short: 'i' },
        output: { type: 'string', short: 'o' },
        prefix: { type: 'string' },
        compression: { type: 'string' },
        digest: { type: 'string' },
        concurrency: { type: 'string' },
        'follow-redirects': { type: 'boolean' },
        insecure: { type: 'boolean' },
        proxy: { type: 'string', multiple: true },
        'proxy-type': { type: 'string' },
        'dns-server': { type: 'string', multiple: true },
        'no-ipv4': { type: 'boolean' },
        'no-ipv6': { type: 'boolean' },
        'local-address': { type: 'string', multiple: true },
        'ipv6-anyip': { type: 'boolean' },
        dedupe: { type: 'string', multiple: true },
        'metrics-port': { type: 'string' },
      },
    });
    const urls = [...positionals];
    if (values.input !== undefined) urls.push(...(await readUrlList(values.input)));
    if (urls.length === 0) throw new UsageError('no URL given (pass URLs or --input FILE)');
    for (const u of urls) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw new UsageError(`not a URL: ${u}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`only http and https URLs: ${u}`);
    }
    const compression = values.compression ?? 'gzip';
    if (compression !== 'gzip' && compression !== 'zstd' && compression !== 'none') throw new UsageError(`--compression must be gzip, zstd or none`);
    const digest = values.digest ?? 'sha1';
    if (digest !== 'sha1' && digest !== 'sha256') throw new UsageError('--digest must be sha1 or sha256');
    const concurrency = Number(values.concurrency ?? '8');
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
    const dialer = dialerSettings(values);
    const port = metricsPort(values['metrics-port']);
    const proxyType = values['proxy-type'];

    await mkdir(values.output ?? '.', { recursive: true });
    const registry = new PrometheusRegistry();
    const dedupe = dedupeIndex(values.dedupe, registry, digest);
    let server: MetricsServer | undefined;
    let client: WarcClient | undefined;
    let result: CaptureListResult;
    try {
      if (port !== undefined) {
        try {
          server = await createMetricsServer(registry, port);
        } catch (err) {
          throw new UsageError(`--metrics-port: ${errorMessage(err)}`);
        }
        await write(io.stderr, `metrics: ${server.url}\n`);
      }
      client = await WarcClient.create({
        writer: { directory: values.output ?? '.', prefix: values.prefix ?? 'WARC', compression },
        digestAlgorithm: digest,
        followRedirects: values['follow-redirects'] ?? false,
        ...(values.insecure ? { tls: { verify: false } } : {}),
        dialer,
        ...(dedupe ? { dedupe } : {}),
        metrics: registry,
      });
      const progress = progressReporter(io);
      try {
        result = await captureList(client, urls, {
          concurrency,
          onProgress: (p) => progress.update(p),
          ...(proxyType !== undefined ? { proxyType } : {}),
        });
      } finally {
        progress.end();
      }
    } finally {
      await client?.close();
      await dedupe?.close();
      await server?.close();
    }
    const stats = client.stats;
    const files = client.writer.filenames.map((f) => resolve(values.output ?? '.', f));
    let dedupeLine = '';
    if (dedupe !== undefined) {
      const saved = dedupeSavings(registry);
      const sources = Object.entries(saved.bySource)
        .filter(([, s]) => s.records > 0)
        .map(([name, s]) => `${name} ${s.records}`);
      dedupeLine =
        `dedupe: ${saved.records} revisits${sources.length > 0 ? ` (${sources.join(', ')})` : ''}, ` +
        `${formatBytes(saved.bytes)} of payload not stored, ${saved.lookupErrors} lookup errors\n`;
    }
    await write(
      io.stdout,
      `requests: ${result.requests} (${result.requests - result.failures.length} ok, ${result.failures.length} failed)\n` +
        `bytes: ${formatBytes(result.bytes)} of bodies, ${formatBytes(stats.bytes)} of HTTP messages recorded\n` +
        `records: ${stats.written * 2} (${stats.written} pairs, ${stats.truncated} truncated)\n` +
        `dns records: ${stats.dnsRecords}\n` +
        dedupeLine +
        `files: ${files.length}\n${files.map((f) => `  ${f}\n`).join('')}`,
    );
    if (result.failures.length > 0) {
      await write(io.stderr, `failed:\n${result.failures.map((f) => `  ${f.url}: ${f.error}\n`).join('')}`);
      return 1;
    }
    return 0;
  },
};

export default command;
