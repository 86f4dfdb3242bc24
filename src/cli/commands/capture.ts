import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureList, type CaptureListResult } from '../capture/capture-list';
import { captureSummary, filesOnDisk, formatBytes, progressReporter, summaryText, type CaptureStop, type CaptureSummary } from '../capture/capture-report';
import { writeLeftFile } from '../capture/left-file';
import { parseUrlList } from '../capture/url-list';
import { type CaptureStopSignal, cliWording, watchSignals } from '../capture/capture-shutdown';
import { dedupeDegradedWarner, metricsListenMessage } from '../capture/capture-warnings';
import { dedupeIndex, pingDedupe } from '../capture/dedupe-flags';
import { seconds } from '../capture/flag-values';
import { outputDirectoryProblem, probeWritable } from '../capture/output-directory';
import { RECORDING_HELP, RECORDING_OPTIONS, recordingFlags } from '../capture/recording-flags';
import { DEFAULT_CAPTURE_CLI, DEFAULT_CLIENT } from '../../defaults';
import { WarcClient } from '../../client/warc-client';
import { TOKEN } from '../../http/head';
import { dedupeSavings } from '../../dedupe/savings';
import { createMetricsServer, type MetricsServer } from '../../obs/metrics-server';
import { PrometheusRegistry } from '../../obs/registry';
import { errorMessage, UsageError, write, writeReport } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire capture [options] URL...
       warcwire capture [options] --input FILE

Fetches each URL with the capturing client and writes every exchange (exact
request and response bytes) to WARC files as response/request record pairs.

  -i, --input FILE        read URLs from FILE ('-' for stdin), one per line
                          ('#' at the start or after a blank starts a comment);
                          every bad line (not a URL, whitespace inside the
                          URL) is reported with its line and nothing is fetched
      --concurrency N     requests in flight (default: ${DEFAULT_CAPTURE_CLI.concurrency})
      --follow-redirects  follow redirects, recording every hop
      --user-agent UA     User-Agent sent (default: warcwire/VERSION
                          (+https://github.com/warcwire/warcwire))
      --header 'N: V'     add a request header (repeatable)
      --proxy-type TYPE   any | mobile | residential | datacenter: the type of the
                          --proxy entries (below), and the type every request asks for
      --shutdown-grace SECS    on Ctrl-C/SIGTERM/SIGHUP, how long requests may
                          finish before they are cut short (default: ${DEFAULT_CAPTURE_CLI.shutdownGraceSeconds})
      --left FILE         when the run ends, write the URLs that failed or were
                          not started to FILE (a list --input reads, so
                          \`--input FILE\` resumes); also after Ctrl-C and other stops
      --json              print the summary as one JSON object on stdout

${RECORDING_HELP}
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

Ctrl-C, SIGTERM or SIGHUP: no new URL is started, running requests get
--shutdown-grace to finish (then are cut short and recorded as truncated), the
WARC files are closed, the summary printed, and the exit status is 130
(SIGINT), 143 (SIGTERM) or 129 (SIGHUP). A second signal exits at once,
leaving files as *.open: run \`warcwire mend DIR\` on them.
`;

/** `--header 'Name: value'`. */
function headerPair(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  const [name, value] = [spec.slice(0, Math.max(colon, 0)), spec.slice(colon + 1)];
  if (!TOKEN.test(name) || /[\r\n\u2028\u2029]/.test(value)) throw new UsageError(`--header must be 'Name: value' on one line, got ${JSON.stringify(spec)}`);
  return [name, value.trim()];
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
        concurrency: { type: 'string' },
        'follow-redirects': { type: 'boolean' },
        'user-agent': { type: 'string' },
        header: { type: 'string', multiple: true },
        'proxy-type': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        left: { type: 'string' },
        json: { type: 'boolean' },
        ...RECORDING_OPTIONS,
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
    const flags = recordingFlags(values);
    const { output, digest } = flags;
    const concurrency = Number(values.concurrency ?? DEFAULT_CAPTURE_CLI.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
    const port = flags.metricsPort;
    const proxyType = values['proxy-type'];
    const headers = (values.header ?? []).map(headerPair);
    const graceMs = seconds('--shutdown-grace', values['shutdown-grace'] ?? String(DEFAULT_CAPTURE_CLI.shutdownGraceSeconds), 'grace').grace!;
    const userAgent = values['user-agent'];
    if (userAgent !== undefined && /[\r\n]/.test(userAgent)) throw new UsageError('--user-agent must be one line');
    const outputProblem = await outputDirectoryProblem(output);
    if (outputProblem !== undefined) return fail(outputProblem);
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
    const dedupe = dedupeIndex(flags.dedupe, registry, digest, dedupeWarner);
    let server: MetricsServer | undefined;
    let client: WarcClient | undefined;
    let result: CaptureListResult;
    let exitCode: number | undefined;
    let stoppedBy: CaptureStopSignal | undefined;
    let closeFailed = false;
    try {
      if (dedupe !== undefined) await pingDedupe(dedupe, dedupeWarner, (line) => write(io.stderr, `${line}\n`));
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
          ...flags.client,
          followRedirects: values['follow-redirects'] ?? DEFAULT_CLIENT.followRedirects,
          ...(userAgent !== undefined ? { userAgent } : {}),
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
          await writeReport(io.stderr, `warcwire capture: closing the WARC files: ${errorMessage(err)}\n`);
          closeFailed = true;
        });
      } finally {
        progress.end();
        shutdown.dispose();
      }
      exitCode = shutdown.exitCode();
      stoppedBy = shutdown.signal();
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
        await writeReport(io.stderr, `left: ${result.left.length} URLs (failed or not started) in ${leftPath}; resume with --input ${leftPath}\n`);
      } catch (err) {
        await writeReport(io.stderr, `warcwire capture: cannot write --left ${JSON.stringify(leftPath)}: ${errorMessage(err)}\n`);
      }
    }
    const status = exitCode ?? (result.fatal !== undefined || closeFailed || result.failures.length > 0 || (leftPath !== undefined && left === null) ? 1 : 0);
    if (values.json) {
      const stopped: CaptureStop | null =
        stoppedBy !== undefined ? { reason: stoppedBy } : result.fatal !== undefined ? { reason: 'write-error', message: errorMessage(result.fatal) } : null;
      await writeReport(io.stdout, JSON.stringify(captureSummary(result, stats, { dedupe: savings ?? null, files, stopped, left, exitCode: status }), null, 2) + '\n');
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
      await writeReport(io.stdout, summaryText(result, stats, dedupeLine, files));
    }
    if (result.failures.length > 0) {
      await writeReport(io.stderr, `failed:\n${result.failures.map((f) => `  ${f.url}: ${f.error}\n`).join('')}`);
    }
    return status;
  },
};

export default command;
