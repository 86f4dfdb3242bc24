/**
 * A crawler process for the fleet test, run as `node` on its own (see runTs in
 * dedupe-child.ts). It opens a dedupe index on the shared Redis, says "ready", waits
 * for "go" on stdin, then at the time it names checks every digest at once and prints the decisions as JSON.
 *
 * argv: <redis url> <count> <name>
 */
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { PrometheusRegistry } from '../../src/obs/registry';
import { newRecordId } from '../../src/warc/record';
import { candidateFor, payload } from './dedupe-candidates';

async function main(): Promise<void> {
  const [url, countText, name] = process.argv.slice(2) as [string, string, string];
  const count = Number(countText);
  const metrics = new PrometheusRegistry();
  const index = createDedupeIndex({ local: true, redis: { url, ttlSeconds: 600 }, metrics });
  // Warm the connection with a payload of our own, so "go" measures only the race.
  await index.check(candidateFor(payload(3000, `warmup-${name}`), `http://warmup/${name}`));
  const date = new Date();
  const candidates = Array.from({ length: count }, (_, i) => ({
    ...candidateFor(payload(4096, `shared-${i}`), `http://example.com/${i}`, 'sha1', date),
    recordId: newRecordId(),
  }));
  process.stdout.write('ready\n');
  // "go <epoch ms>": both crawlers start at the same instant rather than when the line arrives.
  const startAt = await new Promise<number>((resolve) => process.stdin.once('data', (line: Buffer) => resolve(Number(line.toString().split(' ')[1]))));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const first = await Promise.all(candidates.map((c) => index.check(c)));
  const second = await Promise.all(candidates.map((c) => index.check({ ...c, recordId: newRecordId() })));
  await index.close();
  const out = {
    name,
    first: first.map((hit, i) => ({ digest: candidates[i]!.payloadDigest, recordId: candidates[i]!.recordId, hit })),
    secondNulls: second.filter((h) => h === null).length,
    secondSources: second.map((h) => h?.source ?? null),
    redisDeduped: metrics.value('redis_deduped_total'),
    localDeduped: metrics.value('local_deduped_total'),
    errors: metrics.total('dedupe_lookup_errors_total'),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.stdin.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`crawler failed: ${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
