/**
 * `warcwire record-proxy` on a real terminal (a pseudo-terminal made by
 * util-linux `script`): the live progress line is redrawn in place and counts
 * what went through; Ctrl-C typed on the terminal stops it with the summary.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli-child';
import { startHttp, type Running } from '../helpers/client-servers';
import { curl } from '../helpers/proxy-clients';

let origin: Running;
let dir: string;
beforeAll(async () => {
  origin = await startHttp((_req, res) => res.end('on a terminal\n'));
});
afterAll(() => origin.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-record-proxy-tty-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

test('a live line redrawn in place on a terminal; Ctrl-C prints the summary and exits 0', async () => {
  // `exec`: script(1) runs the line with $SHELL, and dash (CI's /bin/sh) does not
  // replace itself with the command, so it would take the Ctrl-C too and exit 130.
  const command = 'exec ' + [process.execPath, BIN, 'record-proxy', '--listen', '0', '-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca')].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
      const m = pattern.exec(screen);
      if (m) return m;
    }
    throw new Error(`no ${pattern} on the terminal:\n${screen}`);
  };
  try {
    const url = (await until(/recording proxy listening on (\S+)\r?\n/))[1]!;
    await until(/\r\x1b\[K0 exchanges \(0\.0\/s\), 0 B of bodies relayed, 0 revisits, 0 failed, 0 leaf certificates/);
    expect(await curl(['--proxy', url, `${origin.url}/`])).toMatchObject({ code: 0, stdout: 'on a terminal\n' });
    await until(/\r\x1b\[K1 exchanges \([\d.]+\/s\), [\d.]+ \S*B of bodies relayed, 0 revisits, 0 failed, 0 leaf certificates/);
    child.stdin.write('\x03');
    expect(await exit).toBe(0);
    expect(screen).toMatch(/^exchanges: 1 recorded \(0 as revisits\), 0 failed\r?$/m);
  } finally {
    child.kill('SIGKILL');
  }
});
