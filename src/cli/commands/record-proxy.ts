import { resolve } from 'node:path';
import { dedupeDegradedWarner, metricsListenMessage } from '../capture/capture-warnings';
import { cliWording, EXIT_CODES, exitAtOnce, type StopSignal } from '../capture/capture-shutdown';
import { dedupeIndex, pingDedupe } from '../capture/dedupe-flags';
import { seconds } from '../capture/flag-values';
import { outputDirectoryProblem } from '../capture/output-directory';
import { RECORDING_HELP, RECORDING_OPTIONS, recordingFlags } from '../capture/recording-flags';
import { caSource } from '../ca-flags';
import { readRecordProxyConfig, reloadRecordProxyConfig, type RecordProxyConfigFile } from '../record-proxy/config-file';
import { reportProgress, type RecordingProgress } from '../record-proxy/progress';
import { StatusLine } from '../record-proxy/status-line';
import { filesWritten, summaryText, warcFilesIn } from '../record-proxy/summary';
import { PROGRESS_LINE_INTERVAL_MS } from '../capture/capture-report';
import { CA_CERT_FILE, CA_KEY_FILE, DEFAULT_MAX_CACHED_LEAVES } from '../../certs';
import { WarcwireError } from '../../errors';
import { DEFAULT_LISTEN_HOST, DEFAULT_RECORDING_PROXY } from '../../defaults';
import { createMetricsServer, type MetricsServer } from '../../obs/metrics-server';
import { PrometheusRegistry } from '../../obs/registry';
import { parseListenAddress } from '../../proxy/listen-address';
import { createRecordingProxy, RecordingProxyError, type RecordingProxy } from '../../record-proxy';
import { errorMessage, parseCommandArgs, UsageError, write } from '../args';
import type { CliCommand } from '../command';
import { lineLogger } from '../line-logger';

const usage = `Usage: warcwire record-proxy [options]

Runs an HTTP proxy that records everything a browser (or any HTTP client)
fetches through it into WARC files: plain http:// requests and, for https://,
CONNECT tunnels whose TLS it opens with a certificate for each site signed by
its own CA. What is recorded is the exchange with the web server, byte for byte.

Quick start:
  warcwire record-proxy -o warcs
  chromium --user-data-dir="$(mktemp -d)" --proxy-server=http://127.0.0.1:8000 \\
           --ignore-certificate-errors-spki-list=<the CA SPKI hash it prints>
  (Chromium honours the SPKI list only with a --user-data-dir.)

Proxy:
      --listen HOST:PORT  address to listen on (default ${DEFAULT_RECORDING_PROXY.listen}; a bare
                          PORT listens on ${DEFAULT_LISTEN_HOST}; port 0 takes a free one)
      --ca-dir DIR        the CA warcwire generates on first use and reuses
                          (DIR/${CA_CERT_FILE}, key DIR/${CA_KEY_FILE}, mode
                          0600; default $XDG_CONFIG_HOME/warcwire/ca, else
                          ~/.config/warcwire/ca)
      --ca-cert FILE      use your own CA instead: its certificate (PEM) ...
      --ca-key FILE       ... and its private key (PEM, not encrypted); both are needed
      --config FILE       JSON with the settings that may change while running:
                          {"auth": {"users": [{"username": "u", "password": "p"}]},
                           "limits": {"maxClients": 1024, "maxPendingClients": 256,
                           "pendingTimeoutMs": 5000, "idleTimeoutMs": 300000,
                           "maxHeaderBytes": 16384}}
                          With auth, clients must send Proxy-Authorization (407
                          otherwise). SIGHUP reads the file again (a section left
                          out goes back to its default: no auth); a bad file is
                          refused with a log line and the running settings stay
      --unsafe-open-relay listen on a non-loopback address without auth. Anyone
                          who can reach the port can then use the proxy (and
                          your network) and have their traffic recorded; without
                          this flag that is refused
      --max-prefixes N    Warcwire-Meta warcPrefix values with files open at once
                          (default ${DEFAULT_RECORDING_PROXY.maxWarcPrefixes}); past it the least recently used idle one is closed
      --max-cached-leaves N
                          hosts whose leaf certificate stays cached (default
                          ${DEFAULT_MAX_CACHED_LEAVES}; each costs about 40 KB of memory, a new one
                          about 2 ms to issue)
      --progress SECS     when stderr is not a terminal, print a progress log line
                          at most this often, only when something changed
                          (default ${PROGRESS_LINE_INTERVAL_MS / 1000})
      --quiet             log warnings and errors only (off a terminal that
                          drops the progress lines too)

${RECORDING_HELP}
The browser must trust the CA: give Chromium the printed SPKI hash with
--ignore-certificate-errors-spki-list, use Playwright's ignoreHTTPSErrors, or
import warcwire-ca.pem into the browser's certificate store (curl: --cacert).
The proxy also answers GET /stats (JSON) and GET /metrics (Prometheus) itself.
A request header Warcwire-Meta: {"warcPrefix": "...", "dedupeBucket": "...",
"tags": [...]} sets the file prefix, dedupe bucket and tags of that exchange
(on a CONNECT: of every exchange in the tunnel); it is never sent upstream.

On start it prints the listen URL, the CA certificate file, its SPKI hash and
a Chromium command line. Progress: a live line on a terminal, otherwise log
lines. Ctrl-C or SIGTERM stops it: connections are ended, every WARC file is
closed, a summary is printed (exchanges, revisits, failures, leaf certificates,
files with their sizes) and the exit status is 0. A second signal exits at once,
leaving files as *.open (\`warcwire mend DIR\` finishes them).
Exit status 2 for a bad option, CA or --config file, or a non-loopback --listen
without auth; 1 when the address or --metrics-port cannot be listened on.
`;

const OPTIONS = {
  listen: { type: 'string' },
  'ca-dir': { type: 'string' },
  'ca-cert': { type: 'string' },
  'ca-key': { type: 'string' },
  config: { type: 'string' },
  'unsafe-open-relay': { type: 'boolean' },
  'max-prefixes': { type: 'string' },
  'max-cached-leaves': { type: 'string' },
  progress: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  ...RECORDING_OPTIONS,
} as const;

/** A count flag: undefined when not given. */
function countFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function listenFlag(value: string | undefined): string {
  if (value === undefined) return DEFAULT_RECORDING_PROXY.listen;
  try {
    parseListenAddress(value, '--listen');
  } catch {
    throw new UsageError(`--listen must be HOST:PORT, [IPv6]:PORT or PORT (port 0-65535), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A start-up failure in the CLI's words; 2 when what the user gave is wrong
 * (a setting, the CA files, an open relay: warcwire's typed errors), 1 when the
 * machine is (the address cannot be listened on, an unexpected failure). A
 * setting that came from the --config file is named with it.
 */
function startFailure(err: unknown, configFile: string | undefined): { message: string; status: number } {
  const input = err instanceof WarcwireError && err.code !== 'ERR_PROXY_LISTEN';
  const fromFile = configFile !== undefined && err instanceof RecordingProxyError && /^(auth|limits)\b/.test(err.field ?? '');
  return { message: `${fromFile ? `--config ${configFile}: ` : ''}${cliWording(errorMessage(err))}`, status: input ? 2 : 1 };
}

/** Resolves with the first SIGINT/SIGTERM; a second one exits at once. */
function firstStopSignal(stderr: NodeJS.WritableStream, output: string): { stopped: Promise<StopSignal>; dispose(): void } {
  let resolveStop: (signal: StopSignal) => void = () => undefined;
  const stopped = new Promise<StopSignal>((resolveIt) => (resolveStop = resolveIt));
  let received = false;
  const handlers = (Object.keys(EXIT_CODES) as StopSignal[]).map((name) => {
    const handler = (): void => {
      if (received) exitAtOnce(stderr, 'record-proxy', name, output);
      received = true;
      resolveStop(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    stopped,
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

function progressOf(proxy: RecordingProxy): RecordingProgress {
  const s = proxy.stats();
  return {
    exchanges: s.exchanges.recorded,
    bytes: s.exchanges.bytes.up + s.exchanges.bytes.down,
    revisits: s.exchanges.revisits,
    failed: s.exchanges.failed,
    leafCertificates: s.certificatesIssued,
  };
}

const command: CliCommand = {
  name: 'record-proxy',
  summary: 'run a proxy that records what a browser fetches through it (https included) into WARC files',
  usage,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, OPTIONS, []);
    const flags = recordingFlags(values);
    const listen = listenFlag(values.listen);
    const maxWarcPrefixes = countFlag('--max-prefixes', values['max-prefixes']);
    const maxCachedLeaves = countFlag('--max-cached-leaves', values['max-cached-leaves']);
    const ca = caSource(values);
    const progressMs = seconds('--progress', values.progress ?? String(PROGRESS_LINE_INTERVAL_MS / 1000), 'interval').interval!;
    const fail = async (message: string, status = 2): Promise<number> => {
      await write(io.stderr, `warcwire record-proxy: ${message}\n`);
      return status;
    };
    let config: RecordProxyConfigFile = {};
    if (values.config !== undefined) {
      try {
        config = readRecordProxyConfig(values.config);
      } catch (err) {
        return fail(`--config: ${errorMessage(err)}`);
      }
    }
    const output = resolve(flags.output);
    const outputProblem = await outputDirectoryProblem(flags.output);
    if (outputProblem !== undefined) return fail(outputProblem);
    const before = await warcFilesIn(output);

    const status = io.stderr.isTTY ? new StatusLine(io.stderr) : undefined;
    const print = (lines: string): void => (status ? status.print(lines) : void io.stderr.write(lines));
    const logger = lineLogger(print, values.quiet ? 'warn' : 'info');
    const registry = new PrometheusRegistry();
    const dedupeWarner = dedupeDegradedWarner((line) => print(`${line}\n`));
    const dedupe = dedupeIndex(flags.dedupe, registry, flags.digest, dedupeWarner);
    let metricsServer: MetricsServer | undefined;
    let proxy: RecordingProxy | undefined;
    // Before anything is printed: a signal right after the start-up lines must find its handler.
    const signals = firstStopSignal(io.stderr, output);
    try {
      if (dedupe !== undefined) await pingDedupe(dedupe, dedupeWarner, async (line) => print(`${line}\n`));
      if (flags.metricsPort !== undefined) {
        try {
          metricsServer = await createMetricsServer(registry, flags.metricsPort);
        } catch (err) {
          return fail(metricsListenMessage('127.0.0.1', flags.metricsPort, err), 1);
        }
        print(`metrics: ${metricsServer.url}\n`);
      }
      try {
        proxy = await createRecordingProxy({
          listen,
          client: { ...flags.client, ...(dedupe ? { dedupe } : {}) },
          ca,
          ...config,
          ...(values['unsafe-open-relay'] ? { unsafeOpenRelay: true } : {}),
          ...(maxWarcPrefixes !== undefined ? { maxWarcPrefixes } : {}),
          ...(maxCachedLeaves !== undefined ? { maxCachedLeaves } : {}),
          logger,
          metrics: registry,
        });
      } catch (err) {
        const failure = startFailure(err, values.config);
        return fail(failure.message, failure.status);
      }
      const running = proxy;
      const authority = running.ca;
      const onHangup = (): void => {
        logger.info({ file: values.config ?? null }, 'record-proxy: SIGHUP, reloading');
        if (values.config === undefined) logger.warn({}, 'record-proxy: no --config file to reload');
        else reloadRecordProxyConfig(running, values.config, logger);
      };
      process.on('SIGHUP', onHangup);
      print(
        `recording proxy listening on ${running.url}\n` +
          `WARC files: ${output}\n` +
          `CA certificate: ${authority.certFile}${authority.created ? ' (created now)' : ''}\n` +
          `CA SPKI sha256: ${authority.spkiSha256}\n` +
          // <-loopback>: Chromium would send localhost and 127.0.0.1 around the proxy, unrecorded.
          `browse with: chromium --user-data-dir="$(mktemp -d)" --proxy-server=${running.url} --proxy-bypass-list='<-loopback>' --ignore-certificate-errors-spki-list=${authority.spkiSha256}\n`,
      );
      const stopProgress = reportProgress(() => progressOf(running), status ? { terminal: status } : { logger, intervalMs: progressMs });
      const signal = await signals.stopped;
      stopProgress();
      status?.end();
      process.off('SIGHUP', onHangup);
      logger.info({ signal }, 'record-proxy: stopping; closing connections and WARC files');
      let closeFailed = false;
      await running.close().catch((err: unknown) => {
        // A file that failed stays .open; the summary names it so.
        logger.error({}, `record-proxy: closing: ${errorMessage(err)}`);
        closeFailed = true;
      });
      const files = await filesWritten(output, before);
      await write(io.stdout, summaryText(progressOf(running), files));
      return closeFailed ? 1 : 0;
    } finally {
      status?.end();
      await proxy?.close().catch(() => undefined);
      await dedupe?.close();
      await metricsServer?.close();
      signals.dispose();
    }
  },
};

export default command;
