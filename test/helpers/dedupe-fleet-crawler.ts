/**
 * One crawler of the fleet test, run in its own `node` process (see runTs): a WarcClient
 * writing into its own directory, deduplicating through the shared Redis. Prints
 * "ready", waits for "go <epoch ms>" on stdin, fetches every URL at that instant, then
 * prints what the client reported as JSON.
 *
 * argv: <redis url> <origin> <count> <directory>
 */
import { WarcClient } from '../../src/client';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { PrometheusRegistry } from '../../src/obs/registry';

async function main(): Promise<void> {
  const [redisUrl, origin, countText, directory] = process.argv.slice(2) as [string, string, string, string];
  const metrics = new PrometheusRegistry();
  const dedupe = createDedupeIndex({ local: true, redis: { url: redisUrl, ttlSeconds: 600, keyPrefix: 'fleet-e2e:' }, metrics });
  const client = await WarcClient.create({ writer: { directory, prefix: 'FLEET' }, dedupe, metrics, connectionsPerOrigin: 16 });
  process.stdout.write('ready\n');
  const startAt = await new Promise<number>((resolve) => process.stdin.once('data', (line: Buffer) => resolve(Number(line.toString().split(' ')[1]))));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const urls = Array.from({ length: Number(countText) }, (_, i) => `${origin}/page/${i}`);
  const results = await Promise.all(
    urls.map(async (url) => {
      const res = await client.fetch(url);
      await res.bytes();
      const written = await res.written;
      return { url, revisit: written.revisit === true };
    }),
  );
  await client.close();
  await dedupe.close();
  process.stdout.write(
    JSON.stringify({
      revisits: results.filter((r) => r.revisit).length,
      full: results.filter((r) => !r.revisit).length,
      redisDeduped: metrics.value('redis_deduped_total'),
      lookupErrors: metrics.total('dedupe_lookup_errors_total'),
    }) + '\n',
  );
  process.stdin.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`fleet crawler failed: ${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
