/**
 * Child process for the crash test: writes batches for ever, printing each
 * batch's record ids once its write() has resolved. The test SIGKILLs it.
 */
import { writeSync } from 'node:fs';
import { WarcWriter } from '../../src/warc/write/writer';
import { exchange, seededBytes } from '../helpers/warc-records';

async function main(): Promise<void> {
  const [directory, compression] = process.argv.slice(2) as [string, 'gzip' | 'zstd' | 'none'];
  const writer = new WarcWriter({ directory, compression, hostname: 'crash', writers: 2 });
  let i = 0;
  const one = async (): Promise<void> => {
    for (;;) {
      const n = i++;
      // Mixed sizes, some large, so the kill often lands inside a member.
      const size = n % 7 === 0 ? 3_000_000 : 500 + ((n * 7919) % 20_000);
      const pair = exchange(`http://example.com/crash/${n}`, seededBytes(n + 1, size, n % 2 === 0));
      const written = await writer.write(pair);
      writeSync(1, `ok ${written.map((w) => w.id).join(' ')}\n`);
    }
  };
  await Promise.all([one(), one(), one()]);
}

main().catch((err: unknown) => {
  writeSync(2, `crash child failed: ${String(err)}\n`);
  process.exit(3);
});
