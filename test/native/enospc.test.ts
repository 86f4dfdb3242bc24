/**
 * A really full disk (a 1 MiB tmpfs, mounted by the test: needs root, which CI has):
 * ENOSPC surfaces as ERR_SINK_WRITE with a clear message, the file is cut back to the
 * end of the last complete member, and everything appended before still decodes.
 * Covers both write paths: records compressed ahead (<= 16 MiB) and streamed ones.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackendError } from '../../src/backend/errors';
import { loadNativeBackend } from '../../src/backend/native';
import type { AppendResult } from '../../src/backend/types';
import { gunzipCli, seededBytes } from '../helpers/backend-tools';

const native = loadNativeBackend();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const rootOnly = isRoot ? describe : describe.skip;

let mountPoint: string;

rootOnly('ENOSPC on a full tmpfs (native backend)', () => {
  beforeAll(() => {
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-test-enospc-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mountPoint]);
  });
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    fs.rmdirSync(mountPoint);
  });

  test.each([
    ['compressed ahead', 100 * 1024],
    ['streamed', 17 * 1024 * 1024],
  ])('%s records: ERR_SINK_WRITE/ENOSPC, earlier members intact', async (label, size) => {
    const file = path.join(mountPoint, `${label.replace(' ', '-')}.warc.gz`);
    const sink = await native.openRecordSink(file, { compression: 'gzip', level: 1 });
    const landed: { block: Buffer; result: AppendResult }[] = [];
    let failure: unknown;
    // Incompressible blocks: 1 MiB fills after ~10 records of 100 KiB (or the first 17 MiB one).
    for (let i = 0; i < 20 && failure === undefined; i++) {
      const block = seededBytes(i === 0 ? 64 * 1024 : size, i + 1);
      try {
        landed.push({ block, result: await sink.append(Buffer.from(`H${i}\r\n\r\n`), block) });
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toBeInstanceOf(BackendError);
    const error = failure as BackendError;
    expect(error.code).toBe('ERR_SINK_WRITE');
    expect(error.syscallCode).toBe('ENOSPC');
    expect(error.message).toContain('no space left');
    expect(error.message).toContain(file);
    expect(landed.length).toBeGreaterThanOrEqual(1);
    await sink.close();

    const last = landed[landed.length - 1]!.result;
    expect(fs.statSync(file).size).toBe(last.offset + last.length);
    const expected = Buffer.concat(landed.flatMap(({ block }, i) => [Buffer.from(`H${i}\r\n\r\n`), block, Buffer.from('\r\n\r\n')]));
    expect(gunzipCli(file).equals(expected)).toBe(true);
    fs.unlinkSync(file);
  });
});
