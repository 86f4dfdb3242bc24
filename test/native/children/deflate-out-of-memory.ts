/**
 * Child of deflate-member.test.ts: lowers its own address-space limit (prlimit) to what it uses
 * plus 300 MiB, then asks for the gzip member of a 200 MiB input. The copy of the input fits;
 * the worker's output buffer does not. Prints how encode() settled and whether the encoder
 * still works afterwards.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { BackendError } from '../../../src/backend/errors';
import { loadNativeBackend } from '../../../src/backend/native';

async function main(): Promise<void> {
  const encoder = loadNativeBackend().createMemberEncoder({ compression: 'gzip', level: 6 });
  await encoder.encode([Buffer.from('warm up: the compressor exists before the limit')]);
  const input = Buffer.alloc(200 << 20, 'a');
  const pageSize = 4096;
  const mapped = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[0]) * pageSize;
  execFileSync('prlimit', ['--pid', String(process.pid), `--as=${mapped + (300 << 20)}`]);
  const outcome = await encoder.encode([input]).then(
    (member) => ({ resolved: member.length }),
    (err: unknown) => ({ typed: err instanceof BackendError, code: (err as BackendError).code, message: (err as Error).message }),
  );
  const after = await encoder.encode([Buffer.from('still alive')]);
  process.stdout.write(JSON.stringify({ outcome, after: after.toString('base64') }));
}

main().catch((err: unknown) => {
  process.stderr.write(String(err));
  process.exitCode = 1;
});
