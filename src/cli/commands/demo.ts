import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureList } from '../capture/capture-list';
import { DEMO_PATHS, startDemoSite } from '../demo-site';
import { WarcClient } from '../../client/warc-client';
import { DEFAULT_WRITER } from '../../defaults';
import { makeDirectory } from '../../make-directory';
import { isCompression } from '../../backend/types';
import { createDedupeIndex } from '../../dedupe/dedupe-index';
import { checkFile } from '../../warc/tools/check';
import { WarcReader } from '../../warc/read/reader';
import { errorMessage, UsageError, write } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire demo [-o DIR] [--compression gzip|zstd|none]

Serves a small built-in site on loopback (HTML pages, a chunked response, a
gzip-encoded one, a redirect, an 8 MiB binary, two URLs with identical
payloads) over http and over https with a certificate generated for the run,
captures it with the full pipeline (TLS verified against that certificate,
redirects followed, local deduplication on), reads the WARC files back,
checks every digest, and prints where the files are. Exit status 1 when anything did not check out.

  -o, --output DIR     where to write (default: a new directory under the system temp dir)
      --compression C  gzip | zstd | none (default: ${DEFAULT_WRITER.compression})
`;

const command: CliCommand = {
  name: 'demo',
  summary: 'capture a built-in loopback site (http + https) and check the WARC files',
  usage,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: { output: { type: 'string', short: 'o' }, compression: { type: 'string' } },
    });
    const compression = values.compression ?? DEFAULT_WRITER.compression;
    if (!isCompression(compression)) throw new UsageError('--compression must be gzip, zstd or none');
    const out = resolve(values.output ?? mkdtempSync(join(tmpdir(), 'warcwire-demo-')));
    await makeDirectory(out);
    const say = (line: string): Promise<void> => write(io.stdout, `${line}\n`);

    const site = await startDemoSite();
    const problems: string[] = [];
    let files: string[] = [];
    try {
      await say(`demo site: ${site.httpOrigin} and ${site.httpsOrigin}`);
      const urls = [site.httpOrigin, site.httpsOrigin].flatMap((o) => DEMO_PATHS.map((p) => `${o}${p}`));
      const dedupe = createDedupeIndex({ local: true });
      let client: WarcClient;
      try {
        client = await WarcClient.create({
          writer: { directory: out, prefix: 'DEMO', compression },
          followRedirects: true,
          tls: { ca: site.certificate },
          dedupe,
        });
      } catch (err) {
        // e.g. zstd on a backend without it: nothing was fetched.
        await dedupe.close();
        await write(io.stderr, `warcwire demo: ${errorMessage(err)}\n`);
        return 2;
      }
      const started = Date.now();
      let result;
      try {
        result = await captureList(client, urls, { concurrency: 4 });
      } finally {
        await client.close();
        await dedupe.close();
      }
      const seconds = (Date.now() - started) / 1000;
      for (const f of result.failures) problems.push(`${f.url}: ${f.error}`);
      files = client.writer.filenames.map((f) => resolve(out, f));
      await say(
        `captured ${result.requests} URLs (+ redirect hops) in ${seconds.toFixed(2)} s: ${client.stats.written} pairs ` +
          `(${client.stats.revisits} as revisits of identical payloads), ${client.stats.truncated} truncated`,
      );

      // Read everything back: digests, and the facts the site was built to show.
      let records = 0;
      let revisits = 0;
      const revisited: string[] = [];
      const payloadByUri = new Map<string, string>();
      const protocols = new Set<string>();
      for (const file of files) {
        const report = await checkFile(file);
        records += report.records.length;
        for (const e of report.errors) problems.push(`${file}: ${e.message}`);
        for (const r of report.records) {
          if (r.digests.block !== 'ok' && r.type !== 'warcinfo') problems.push(`${file} @${r.offset} ${r.type}: block digest ${r.digests.block}`);
          if (r.type === 'response' && r.digests.payload !== 'ok') problems.push(`${file} @${r.offset}: payload digest ${r.digests.payload}`);
        }
        for await (const r of new WarcReader(file)) {
          const get = (n: string): string | undefined => r.headers.find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
          if (r.type === 'revisit') {
            revisits++;
            revisited.push(get('WARC-Target-URI') ?? '?');
          }
          if (r.type === 'response' || r.type === 'revisit') {
            payloadByUri.set(get('WARC-Target-URI') ?? '', get('WARC-Payload-Digest') ?? '');
            for (const [k, v] of r.headers) if (k.toLowerCase() === 'warc-protocol') protocols.add(v);
          }
          await r.finish();
        }
      }
      const expected = urls.length + 2; // each /redirect adds its target as a second hop
      if (payloadByUri.size !== urls.length) problems.push(`expected responses for ${urls.length} URLs, found ${payloadByUri.size}`);
      if (records !== files.length + expected * 2) problems.push(`expected ${expected * 2} request/response records, found ${records - files.length}`);
      for (const origin of [site.httpOrigin, site.httpsOrigin]) {
        const a = payloadByUri.get(`${origin}/same/a`);
        const b = payloadByUri.get(`${origin}/same/b`);
        if (a === undefined || a !== b) problems.push(`${origin}/same/a and /same/b should share a payload digest (${a} vs ${b})`);
      }
      // /same/b repeats /same/a, and every https payload over the size threshold repeats its http twin.
      if (revisits < 2) problems.push(`expected revisit records for repeated payloads, found ${revisits}`);
      if (!protocols.has('tls/1.3') && !protocols.has('tls/1.2')) problems.push('no https response carries a WARC-Protocol tls/… field');
      await say(`read back ${records} records (${files.length} warcinfo); block and payload digests ${problems.length === 0 ? 'all verified' : 'checked'}`);
      await say(`identical payloads: /same/a and /same/b → ${payloadByUri.get(`${site.httpOrigin}/same/a`) ?? '?'}`);
      await say(`revisit records (payload already archived under another URL): ${revisits}`);
      for (const uri of revisited.sort()) await say(`  ${uri}`);
      await say(`protocols seen: ${[...protocols].sort().join(', ')}`);
    } finally {
      await site.close();
    }
    await say(`files in ${out}:`);
    for (const f of files) await say(`  ${f}`);
    if (problems.length > 0) {
      await write(io.stderr, `demo check FAILED:\n${problems.map((p) => `  ${p}\n`).join('')}`);
      return 1;
    }
    await say('demo check passed');
    return 0;
  },
};

export default command;
