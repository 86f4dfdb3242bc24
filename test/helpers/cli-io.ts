/** A CliIO whose stdout and stderr are collected as strings, for running commands in-process. */
import { PassThrough } from 'node:stream';
import type { CliIO } from '../../src/cli/command';
import { main } from '../../src/cli/main';

export function captureIO(): { io: CliIO; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** Runs a command through main() in-process: its exit code and what it wrote. */
export async function runMain(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const t = captureIO();
  const code = await main(argv, t.io);
  return { code, out: t.out(), err: t.err() };
}

/**
 * Runs `warcwire capture URL -o DIR FLAGS` through main() for each case and
 * expects a usage error: exit 2, the message on stderr, followed by the usage.
 */
export async function expectCaptureUsageErrors(url: string, dir: string, cases: ReadonlyArray<[flags: string[], message: RegExp]>): Promise<void> {
  for (const [flags, message] of cases) {
    const t = captureIO();
    const code = await main(['capture', url, '-o', dir, ...flags], t.io);
    expect([flags, code]).toEqual([flags, 2]);
    expect(t.err()).toMatch(message);
    expect(t.err()).toContain('Usage: warcwire capture');
  }
}
