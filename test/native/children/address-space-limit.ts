/**
 * Child of worker-failure.test.ts: a real allocation failure on a worker thread. It warms the
 * encoder (libuv's threads and a pooled compressor exist), then caps its own address space
 * (RLIMIT_AS, via prlimit on its pid) a little above what it uses, so copying a 32 MiB input
 * still fits but the worker's 32 MiB output buffer does not. It prints how encode() settled
 * and exits normally.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { BackendError } from '../../../src/backend/errors';
import { loadNativeBackend } from '../../../src/backend/native';

const INPUT = 32 * 1024 * 1024;
const HEADROOM = 48 * 1024 * 1024;

function addressSpaceBytes(): number {
  const match = /^VmSize:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (match === null) throw new Error('no VmSize in /proc/self/status');
  return Number(match[1]) * 1024;
}

async function main(): Promise<void> {
  const encoder = loadNativeBackend().createMemberEncoder({ compression: 'gzip', level: 1 });
  await encoder.encode([Buffer.from('warm up')]);
  // Random bytes: the member is as large as the input, and the worker reserves that much.
  const input = Buffer.alloc(INPUT);
  for (let i = 0; i < INPUT; i += 4) input.writeUInt32LE((i * 2654435761) >>> 0, i);
  const limit = addressSpaceBytes() + HEADROOM;
  execFileSync('prlimit', ['--pid', String(process.pid), `--as=${limit}:${limit}`]);
  let outcome: { ok: boolean; code?: string; typed?: boolean; message?: string };
  try {
    await encoder.encode([input]);
    outcome = { ok: true };
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    outcome = { ok: false, code, typed: err instanceof BackendError, message };
  }
  process.stdout.write(JSON.stringify(outcome));
}

void main();
