import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { runTsChild } from '../helpers/backend-child';
import { backendUnderTest, gunzipCli, makeTempDir, removeDir, seededBytes } from '../helpers/backend-tools';

const backend = backendUnderTest();
const LIMIT_KIB = 1024; // RLIMIT_FSIZE of the child: 1 MiB per file

interface Report {
  backend: string;
  landed: { index: number; result: { offset: number; length: number } }[];
  failedIndex: number;
  failure?: { code?: string; syscallCode?: string; message: string };
  later: ({ ok: { offset: number; length: number } } | { error: { code?: string; message: string } })[];
  closeError?: { code?: string; message: string };
  spoolError?: { code?: string; syscallCode?: string; message: string };
  spoolSizeAfterError: number;
  spoolDescriptorsAfterClose: number;
}

let dir: string;
beforeEach(() => {
  dir = makeTempDir('fulldisk');
  fs.mkdirSync(path.join(dir, 'spool'));
});
afterEach(() => removeDir(dir));

async function runChild(compression: 'gzip' | 'none'): Promise<Report> {
  const result = await runTsChild(path.join(__dirname, 'children', 'full-disk.ts'), {
    env: { FULL_DISK_DIR: dir, FULL_DISK_COMPRESSION: compression, WARCWIRE_BACKEND: backend.name },
    fileSizeLimitKiB: LIMIT_KIB,
  });
  if (result.status !== 0) throw new Error(`child exited ${result.status} (${result.signal}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Report;
}

const expectedRecord = (i: number) => Buffer.concat([Buffer.from(`H${i}\r\n`), seededBytes(100 * 1024, i + 1), Buffer.from('\r\n\r\n')]);

describe(`full disk (RLIMIT_FSIZE) (${backend.name} backend)`, () => {
  test.each(['gzip', 'none'] as const)('%s: ERR_SINK_WRITE with EFBIG, earlier members intact, file ends at the last complete member', async (compression) => {
    const report = await runChild(compression);
    expect(report.backend).toBe(backend.name);
    expect(report.failure?.code).toBe('ERR_SINK_WRITE');
    expect(report.failure?.syscallCode).toBe('EFBIG');
    expect(report.failure?.message).toMatch(/too large/);
    expect(report.failure?.message).toContain('full.warc');
    // ~10 records of 100 KiB fit in 1 MiB.
    expect(report.landed.length).toBeGreaterThanOrEqual(8);
    expect(report.failedIndex).toBe(report.landed.length);

    const file = path.join(dir, 'full.warc');
    const bytes = fs.readFileSync(file);
    const last = report.landed[report.landed.length - 1]!.result;
    // Later appends may fail the same way or fit in the space left; nothing half-written stays.
    const laterOk = report.later.flatMap((l) => ('ok' in l ? [l.ok] : []));
    for (const l of report.later) if ('error' in l) expect(l.error.code).toBe('ERR_SINK_WRITE');
    const end = laterOk.length > 0 ? laterOk[laterOk.length - 1]!.offset + laterOk[laterOk.length - 1]!.length : last.offset + last.length;
    expect(bytes.length).toBe(end);
    expect(report.closeError).toBeUndefined();

    const expected = Buffer.concat(report.landed.map((l) => expectedRecord(l.index)));
    const decoded = compression === 'gzip' ? gunzipCli(file) : bytes;
    expect(decoded.subarray(0, expected.length).equals(expected)).toBe(true);
    if (compression === 'gzip') {
      for (const { index, result } of report.landed) {
        expect(zlib.gunzipSync(bytes.subarray(result.offset, result.offset + result.length)).equals(expectedRecord(index))).toBe(true);
      }
    }

    expect(report.spoolError?.code).toBe('ERR_SPOOL_IO');
    expect(report.spoolError?.syscallCode).toBe('EFBIG');
    expect(report.spoolSizeAfterError).toBeLessThanOrEqual(LIMIT_KIB * 1024);
    expect(report.spoolDescriptorsAfterClose).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'spool'))).toEqual([]);
  });
});
