/** Runs the compiled CLI (bin/warcwire.js; `npm run build` makes dist/) as a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(__dirname, '..', '..', 'bin', 'warcwire.js');

export interface CliRun {
  code: number | null;
  out: Buffer;
  err: string;
}

export function runCli(argv: string[], input?: string): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...argv], { input, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}
