import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureList, type CaptureListResult } from '../capture/capture-list';
import { captureSummary, filesOnDisk, formatBytes, progressReporter, summaryText, type CaptureStop, type CaptureSummary } from '../capture/capture-report';
import { writeLeftFile } from '../capture/left-file';
import { parseUrlList } from '../capture/url-list';
import { cliWording, watchSignals } from '../capture/capture-shutdown';
import { dedupeDegradedWarner, metricsListenMessage } from '../capture/capture-warnings';
import { parseSize, sizeText } from '../capture/size';
import type { WarcClientSettings } from '../../client/settings';
import { DEFAULT_CAPTURE_CLI, DEFAULT_CLIENT, DEFAULT_DIGEST_ALGORITHM, DEFAULT_TIMEOUTS, DEFAULT_WRITER } from '../../defaults';
import { WarcClient } from '../../client/warc-client';
import { TOKEN } from '../../http/head';
import { isCompression } from '../../backend/types';
import { isDigestAlgorithm } from '../../digest/label';
import { DEFAULT_SIZE_THRESHOLD } from '../../dedupe/candidate';
import { createDedupeIndex } from '../../dedupe/dedupe-index';
import { dedupeSavings } from '../../dedupe/savings';
import { parseDedupeSpecs } from '../../dedupe/spec';
import type { DedupeIndex } from '../../dedupe/types';
import { parseProxyUrl } from '../../net/proxy-connect';
import type { ProxyType } from '../../net/proxy-pool';
import { createMetricsServer, type MetricsServer } from '../../obs/metrics-server';
import type { Logger } from '../../obs/logger';
import { PrometheusRegistry } from '../../obs/registry';
import { errorMessage, UsageError, write } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire capture [options] URL...
       warcwire capture [options] --input FILE

Fetches each URL with the capturing client and writes every exchange (exact
request and response bytes) to WARC files as response/request record pairs.

  -i, --input FILE        read URLs from FILE ('-' for stdin), one per line
                          ('#' at the start or after a blank starts a comment);
                          every bad line (not a URL, whitespace inside the
                          URL) is reported with its line and nothing is fetched
  -o, --output DIR        directory for the WARC files (default: ${DEFAULT_CAPTURE_CLI.outputDirectory})
      --prefix NAME       file name prefix (default: ${DEFAULT_WRITER.prefix})
      --compression C     gzip | zstd | none (default: ${DEFAULT_WRITER.compression})
      --digest ALG        sha1 | sha256 (default: ${DEFAULT_DIGEST_ALGORITHM})
      --concurrency N     requests in flight (default: ${DEFAULT_CAPTURE_CLI.concurrency})
      --follow-redirects  follow redirects, recording every hop
      --insecure          do not verify TLS certificates (archive broken-cert sites)
      --user-agent UA     User-Agent sent (default: warcwire/VERSION
                          (+https://github.com/warcwire/warcwire))
      --header 'N: V'     add a request header (repeatable)
      --timeout SECS      limit on a whole request, head to last body byte
                          (default: none)
      --response-timeout SECS  wait for the response head (default: ${DEFAULT_TIMEOUTS.responseHeaders / 1000})
      --idle-timeout SECS longest silence while reading a body (default: ${DEFAULT_TIMEOUTS.idleRead / 1000})
      --max-file-size SIZE     start a new WARC file before passing SIZE
                          (e.g. 500M, 1G; K/M/G/T are powers of 1024;
                          default ${sizeText(DEFAULT_WRITER.maxFileSize)})
      --max-response-size SIZE record at most SIZE of one response body (the
                          head is not counted); past it the record is marked
                          WARC-Truncated: length (default ${sizeText(DEFAULT_CLIENT.maxResponseBytes)})
      --shutdown-grace SECS    on Ctrl-C/SIGTERM, how long running requests may
                          finish before they are cut short (default: ${DEFAULT_CAPTURE_CLI.shutdownGraceSeconds})
      --left FILE         when the run ends, write the URLs that failed or were
                          not started to FILE (a list --input reads, so
                          \`--input FILE\` resumes); also after Ctrl-C/SIGTERM
      --json              print the summary as one JSON object on stdout

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
                          doppelganger:URL (repeatable; looked up in that order).
                          The first failed lookup prints a warning: dedupe is
                          degraded and full records are stored
      --dedupe-min-size SIZE   payloads smaller than SIZE are never deduplicated
                          (stored in full, not looked up; e.g. 512, 4K; 0: every
                          non-empty payload; default ${sizeText(DEFAULT_SIZE_THRESHOLD)}); needs --dedupe
      --metrics-port N    serve Prometheus /metrics on 127.0.0.1:N while capturing

Prints progress (a bar on a terminal; otherwise a line when something changed,
at most every 10 s) and a summary (with DNS records and dedupe savings) that
names the WARC files as they are on disk. Exit status 1 when any URL failed,
each failure named, or when --metrics-port cannot be served (e.g. the port is in
use); 2 for a bad option value, URL list, an output directory that cannot be
written (checked before the first fetch) or compression this build cannot write.

A WARC file that cannot be written (disk full, no permission, I/O error) stops
the run at once: no new URL is started, running requests are cut short, the
files are closed (a failed one stays *.open for \`warcwire mend\`), and the
exit status is 1.

Ctrl-C or SIGTERM: no new URL is started, running requests get --shutdown-grace
to finish (then are cut short and recorded as truncated), the WARC files are
closed, the summary printed, and the exit status is 130 (SIGINT) or 143
(SIGTERM). A second signal exits at once, leaving files as *.open: run
\`warcwire mend DIR\` on them.
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

function dedupeIndex(
  specs: readonly string[] | undefined,
  minSize: number | undefined,
  registry: PrometheusRegistry,
  digest: 'sha1' | 'sha256',
  logger: Logger,
): DedupeIndex | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  try {
    return createDedupeIndex(parseDedupeSpecs(specs, { metrics: registry, digestAlgorithm: digest, logger, ...(minSize !== undefined ? { sizeThreshold: minSize } : {}) }));
  } catch (err) {
    throw new UsageError(`--dedupe: ${(err as Error).message}`);
  }
}


/**
 * Writes one byte to a fresh file in `dir` and removes it, so an output
 * directory that cannot take a WARC file (read-only, no permission, full) is
 * found before the first fetch, whoever runs it (permission bits do not stop root).
 */
async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.warcwire-probe-${process.pid}`);
  const handle = await open(probe, 'wx');
  try {
    await handle.write(Buffer.from('\n'));
    await handle.sync();
  } finally {
    await handle.close();
    await unlink(probe);
  }
}

/** `--header 'Name: value'`. */
function headerPair(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  const [name, value] = [spec.slice(0, Math.max(colon, 0)), spec.slice(colon + 1)];
  if (!TOKEN.test(name) || /[\r\n\u2028\u2029]/.test(value)) throw new UsageError(`--header must be 'Name: value' on one line, got ${JSON.stringify(spec)}`);
  return [name, value.trim()];
}

/** A number of seconds (fractions allowed) as `{ [key]: ms }`; absent gives `{}`. */
function seconds(flag: string, value: string | undefined, key: string): Record<string, number> {
  if (value === undefined) return {};
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && flag !== '--timeout' && flag !== '--shutdown-grace')) {
    throw new UsageError(`${flag} must be a number of seconds${flag === '--timeout' ? ' (0 for none)' : ' > 0'}, got ${JSON.stringify(value)}`);
  }
  return { [key]: Math.round(n * 1000) };
}

function size(flag: string, value: string | undefined, examples = '500M or 1G'): number | undefined {
  if (value === undefined) return undefined;
  const n = parseSize(value);
  if (n === undefined || (n === 0 && flag === '--max-response-size')) throw new UsageError(`${flag} must be a size such as ${examples}, got ${JSON.stringify(value)}`);
  return n;
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
        'dedupe-min-size': { type: 'string' },
        'metrics-port': { type: 'string' },
        'user-agent': { type: 'string' },
        header: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        'response-timeout': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'max-file-size': { type: 'string' },
        'max-response-size': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        left: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const fail = async (message: string): Promise<number> => {
      await write(io.stderr, `warcwire capture: ${message}\n`);
      return 2;
    };
    let inputText: string | undefined;
    if (values.input !== undefined) {
      try {
        inputText = values.input === '-' ? await text(process.stdin) : await readFile(values.input, 'utf8');
      } catch (err) {
        return fail(`cannot read --input ${JSON.stringify(values.input)}: ${(err as Error).message}`);
      }
    }
    const list = parseUrlList(positionals, inputText, values.input === '-' ? 'stdin' : values.input);
    if (list.problems.length > 0) {
      return fail(`nothing fetched; bad URLs:\n${list.problems.map((p) => `  ${p.where}: ${p.message}\n`).join('')}`.trimEnd());
    }
    const urls = list.urls;
    if (urls.length === 0) throw new UsageError('no URL given (pass URLs or --input FILE)');
    const compression = values.compression ?? DEFAULT_WRITER.compression;
    if (!isCompression(compression)) throw new UsageError(`--compression must be gzip, zstd or none`);
    const digest = values.digest ?? DEFAULT_DIGEST_ALGORITHM;
    if (!isDigestAlgorithm(digest)) throw new UsageError('--digest must be sha1 or sha256');
    const concurrency = Number(values.concurrency ?? DEFAULT_CAPTURE_CLI.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
    const dialer = dialerSettings(values);
    const port = metricsPort(values['metrics-port']);
    const proxyType = values['proxy-type'];
    const headers = (values.header ?? []).map(headerPair);
    const timeouts = {
      ...seconds('--timeout', values.timeout, 'request'),
      ...seconds('--response-timeout', values['response-timeout'], 'responseHeaders'),
      ...seconds('--idle-timeout', values['idle-timeout'], 'idleRead'),
    };
    const maxFileSize = size('--max-file-size', values['max-file-size']);
    const maxResponseBytes = size('--max-response-size', values['max-response-size']);
    const dedupeMinSize = size('--dedupe-min-size', values['dedupe-min-size'], '512 or 4K');
    if (dedupeMinSize !== undefined && (values.dedupe ?? []).length === 0) throw new UsageError('--dedupe-min-size needs --dedupe');
    const graceMs = seconds('--shutdown-grace', values['shutdown-grace'] ?? String(DEFAULT_CAPTURE_CLI.shutdownGraceSeconds), 'grace').grace!;
    const userAgent = values['user-agent'];
    if (userAgent !== undefined && /[\r\n]/.test(userAgent)) throw new UsageError('--user-agent must be one line');
    const output = values.output ?? DEFAULT_CAPTURE_CLI.outputDirectory;
    try {
      await mkdir(output, { recursive: true });
      if (!(await stat(output)).isDirectory()) return fail(`-o ${JSON.stringify(output)} is not a directory`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') return fail(`-o ${JSON.stringify(output)}: a file is in the way, not a directory`);
      return fail(`-o ${JSON.stringify(output)}: cannot create the output directory (${(err as Error).message})`);
    }
    try {
      await probeWritable(output);
    } catch (err) {
      return fail(`-o ${JSON.stringify(output)}: cannot write in the output directory (${(err as Error).message}); nothing fetched`);
    }
    const leftPath = values.left;
    if (leftPath !== undefined) {
      try {
        // The list is written beside FILE and renamed onto it: its directory is what must take a file.
        await probeWritable(dirname(resolve(leftPath)));
      } catch (err) {
        return fail(`--left ${JSON.stringify(leftPath)}: cannot write it (${(err as Error).message}); nothing fetched`);
      }
    }
    const registry = new PrometheusRegistry();
    const dedupeWarner = dedupeDegradedWarner((line) => void write(io.stderr, `${line}\n`).catch(() => undefined));
    const dedupe = dedupeIndex(values.dedupe, dedupeMinSize, registry, digest, dedupeWarner);
    let server: MetricsServer | undefined;
    let client: WarcClient | undefined;
    let result: CaptureListResult;
    let exitCode: number | undefined;
    let closeFailed = false;
    try {
      if (dedupe !== undefined) {
        // Warn before the first fetch when a remote dedupe source does not answer;
        // the capture goes on and stores full records while it fails.
        await dedupe.ping().catch(async (err: unknown) => {
          dedupeWarner.silence();
          await write(io.stderr, `warning: dedupe degraded at start: ${(err as Error).message}; full records will be stored while it fails\n`);
        });
      }
      if (port !== undefined) {
        try {
          server = await createMetricsServer(registry, port);
        } catch (err) {
          // A runtime failure, not a usage mistake: one line, exit 1.
          await write(io.stderr, `warcwire capture: ${metricsListenMessage('127.0.0.1', port, err)}\n`);
          return 1;
        }
        await write(io.stderr, `metrics: ${server.url}\n`);
      }
      try {
        client = await WarcClient.create({
          writer: {
            directory: output,
            prefix: values.prefix ?? DEFAULT_WRITER.prefix,
            compression,
            ...(maxFileSize !== undefined ? { maxFileSize } : {}),
          },
          digestAlgorithm: digest,
          followRedirects: values['follow-redirects'] ?? DEFAULT_CLIENT.followRedirects,
          ...(values.insecure ? { tls: { verify: false } } : {}),
          ...(userAgent !== undefined ? { userAgent } : {}),
          ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
          timeouts,
          dialer,
          ...(dedupe ? { dedupe } : {}),
          metrics: registry,
        });
      } catch (err) {
        // Found before any URL is fetched: e.g. zstd with a backend that has none.
        return fail(cliWording(errorMessage(err)));
      }
      const running = client;
      const shutdown = watchSignals(io.stderr, graceMs, () => void running.abort(), output);
      const progress = progressReporter(io.stderr);
      try {
        result = await captureList(client, urls, {
          concurrency,
          onProgress: (p) => progress.update(p),
          ...(proxyType !== undefined ? { proxyType } : {}),
          ...(headers.length > 0 ? { headers } : {}),
          stop: shutdown.stop,
          describe: (err) => cliWording(errorMessage(err)),
          onFatal: (err) => {
            void write(io.stderr, `\nwarcwire capture: stopping: ${errorMessage(err)}; no new URL is started, running requests are cut short\n`).catch(() => undefined);
            void running.abort();
          },
        });
        await client.close().catch(async (err: unknown) => {
          // A file that failed stays .open; the summary below names it so.
          await write(io.stderr, `warcwire capture: closing the WARC files: ${errorMessage(err)}\n`);
          closeFailed = true;
        });
      } finally {
        progress.end();
        shutdown.dispose();
      }
      exitCode = shutdown.exitCode();
    } finally {
      await client?.close().catch(() => undefined);
      await dedupe?.close();
      await server?.close();
    }
    const stats = client.stats;
    const files = await filesOnDisk(client.writer.filenames.map((f) => resolve(output, f)));
    const savings = dedupe !== undefined ? dedupeSavings(registry) : undefined;
    let left: CaptureSummary['left'] = null;
    if (leftPath !== undefined) {
      try {
        await writeLeftFile(leftPath, result.left);
        left = { file: leftPath, urls: result.left.length };
        await write(io.stderr, `left: ${result.left.length} URLs (failed or not started) in ${leftPath}; resume with --input ${leftPath}\n`);
      } catch (err) {
        await write(io.stderr, `warcwire capture: cannot write --left ${JSON.stringify(leftPath)}: ${errorMessage(err)}\n`);
      }
    }
    const status = exitCode ?? (result.fatal !== undefined || closeFailed || result.failures.length > 0 || (leftPath !== undefined && left === null) ? 1 : 0);
    if (values.json) {
      const stopped: CaptureStop | null =
        exitCode !== undefined ? { reason: exitCode === 130 ? 'SIGINT' : 'SIGTERM' } : result.fatal !== undefined ? { reason: 'write-error', message: errorMessage(result.fatal) } : null;
      await write(io.stdout, JSON.stringify(captureSummary(result, stats, { dedupe: savings ?? null, files, stopped, left, exitCode: status }), null, 2) + '\n');
    } else {
      let dedupeLine = '';
      if (savings !== undefined) {
        const sources = Object.entries(savings.bySource)
          .filter(([, s]) => s.records > 0)
          .map(([name, s]) => `${name} ${s.records}`);
        dedupeLine =
          `dedupe: ${savings.records} revisits${sources.length > 0 ? ` (${sources.join(', ')})` : ''}, ` +
          `${formatBytes(savings.bytes)} of payload not stored, ${savings.lookupErrors} lookup errors\n`;
      }
      await write(io.stdout, summaryText(result, stats, dedupeLine, files));
    }
    if (result.failures.length > 0) {
      await write(io.stderr, `failed:\n${result.failures.map((f) => `  ${f.url}: ${f.error}\n`).join('')}`);
    }
    return status;
  },
};

export default command;
