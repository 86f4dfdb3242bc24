/**
 * Child of decompression-bomb.test.ts: runs `check` (checkFile) over one file
 * whose record block is a decompression bomb and prints, as JSON, what it saw
 * and how far its peak RSS rose while reading (resourceUsage().maxRSS, bytes).
 */
import { loadBackend } from '../../src/backend';
import { checkFile } from '../../src/warc/tools/check';

async function main(): Promise<void> {
  const file = process.env['BOMB_FILE'] ?? '';
  const backend = loadBackend();
  const before = process.resourceUsage().maxRSS * 1024;
  const report = await checkFile(file, { backend });
  const growth = process.resourceUsage().maxRSS * 1024 - before;
  process.stdout.write(
    JSON.stringify({
      records: report.records.map((r) => ({ type: r.type, length: r.length })),
      issues: report.issues.map((i) => `${i.kind}: ${i.message}`),
      maxRssGrowth: growth,
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
