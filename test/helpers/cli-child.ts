/** Runs the compiled CLI (bin/warcwire.js; `npm run build` makes dist/) as a child process, as a user would. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(__dirname, '..', '..', 'bin', 'warcwire.js');

export interface CliRun {
  code: number | null;
  out: Buffer;
  err: string;
}

/** Asynchronous, so a server in the test's own process can answer the child. */
export function runCli(argv: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, ...options });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err: Buffer.concat(err).toString() }));
  });
}
