/** A CliIO whose stdout and stderr are collected as strings, for running commands in-process. */
import { PassThrough } from 'node:stream';
import type { CliIO } from '../../src/cli/command';

export function captureIO(): { io: CliIO; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}
