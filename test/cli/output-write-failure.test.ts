/**
 * stdout that takes no bytes (/dev/full: every write fails with ENOSPC): the
 * command fails naming its output, not the WARC file it was reading, and does
 * not go on reading the other files only to fail to print them.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { WarcWriter } from '../../src/warc/write/writer';
import { BIN } from '../helpers/cli-child';
import { tempDir } from '../helpers/warc-backend';
import { exchange } from '../helpers/warc-records';

const { dir, cleanup } = tempDir('cli-output-full');
afterAll(cleanup);

/** Runs the CLI with stdout on /dev/full; stderr collected. */
function runToFullDevice(argv: string[]): Promise<{ code: number | null; err: string }> {
  const full = openSync('/dev/full', 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', full, 'pipe'], timeout: 30_000 });
    closeSync(full);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
}

/** A WARC file with `pairs` response/request pairs: more lines than one output block (512). */
async function manyRecords(prefix: string, pairs: number): Promise<string> {
  const writer = new WarcWriter({ directory: dir, compression: 'none', hostname: 'full', prefix });
  for (let i = 0; i < pairs; i++) await writer.write(exchange(`http://example.test/${i}`, Buffer.from(`body ${i}`)));
  await writer.close();
  return join(dir, writer.filenames[0]);
}

let files: string[];
beforeAll(async () => {
  files = [await manyRecords('A', 600), await manyRecords('B', 600)];
});

test.each([['ls'], ['index', '--records', 'all'], ['check', '-v']])('%s FILE FILE > /dev/full: one line naming the output, exit 1', async (...command) => {
  const r = await runToFullDevice([...command, ...files]);
  expect(r.code).toBe(1);
  const lines = r.err.trim().split('\n');
  expect(lines).toEqual([`warcwire ${command[0]}: cannot write the output: ENOSPC: no space left on device, write (is the disk full, or the target not writable?) [ERR_OUTPUT_WRITE]`]);
});
