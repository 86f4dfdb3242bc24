import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureList, type CaptureProgress } from '../../client/capture-list';
import { WarcClient } from '../../client/warc-client';
import { UsageError, write } from '../args';
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

Prints progress (a bar on a terminal, a line every few seconds otherwise) and a
summary. Exit status 1 when any URL failed; each failure is named.
`;

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

    await mkdir(values.output ?? '.', { recursive: true });
    const client = await WarcClient.create({
      writer: { directory: values.output ?? '.', prefix: values.prefix ?? 'WARC', compression },
      digestAlgorithm: digest,
      followRedirects: values['follow-redirects'] ?? false,
      ...(values.insecure ? { tls: { verify: false } } : {}),
    });
    const progress = progressReporter(io);
    let result;
    try {
      result = await captureList(client, urls, { concurrency, onProgress: (p) => progress.update(p) });
    } finally {
      progress.end();
      await client.close();
    }
    const stats = client.stats;
    const files = client.writer.filenames.map((f) => resolve(values.output ?? '.', f));
    await write(
      io.stdout,
      `requests: ${result.requests} (${result.requests - result.failures.length} ok, ${result.failures.length} failed)\n` +
        `bytes: ${formatBytes(result.bytes)} of bodies, ${formatBytes(stats.bytes)} of HTTP messages recorded\n` +
        `records: ${stats.written * 2} (${stats.written} pairs, ${stats.truncated} truncated)\n` +
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
