/**
 * Child process of full-disk.test.ts, run under RLIMIT_FSIZE: appends
 * incompressible records until the file size limit makes a write fail, then
 * reports (as JSON on stdout) what landed, the error, and later behaviour.
 */
import * as path from 'node:path';
import { loadBackend } from '../../../src/backend';
import type { AppendResult } from '../../../src/backend/types';
import { descriptorsInto, seededBytes } from '../../helpers/backend-tools';

interface ErrorInfo {
  code?: string;
  syscallCode?: string;
  message: string;
}

function info(err: unknown): ErrorInfo {
  const e = err as { code?: string; syscallCode?: string; message?: string };
  return { ...(e.code ? { code: e.code } : {}), ...(e.syscallCode ? { syscallCode: e.syscallCode } : {}), message: String(e.message ?? err) };
}

async function main(): Promise<void> {
  const dir = process.env['FULL_DISK_DIR']!;
  const compression = process.env['FULL_DISK_COMPRESSION'] as 'gzip' | 'zstd' | 'none';
  const backend = loadBackend();
  const sink = await backend.openRecordSink(path.join(dir, 'full.warc'), { compression });
  const landed: { index: number; result: AppendResult }[] = [];
  let failure: ErrorInfo | undefined;
  let failedIndex = -1;
  // Sequential appends of 100 KiB incompressible blocks: the limit falls inside one of them.
  for (let i = 0; i < 100 && failure === undefined; i++) {
    try {
      landed.push({ index: i, result: await sink.append(Buffer.from(`H${i}\r\n`), seededBytes(100 * 1024, i + 1)) });
    } catch (err) {
      failure = info(err);
      failedIndex = i;
    }
  }
  // Concurrent appends after the failure: each must settle (no hang), with a typed error.
  const later = await Promise.allSettled([1, 2, 3].map((k) => sink.append(Buffer.from(`L${k}\r\n`), seededBytes(200 * 1024, 1000 + k))));
  let closeError: ErrorInfo | undefined;
  await sink.close().catch((err: unknown) => (closeError = info(err)));

  // A disk spool hitting the same limit: typed error, and its temp file is gone after close.
  const spoolDir = path.join(dir, 'spool');
  const spool = backend.createSpool({ fullOnDisk: true, tempDir: spoolDir });
  let spoolError: ErrorInfo | undefined;
  try {
    for (let i = 0; i < 100; i++) spool.append(seededBytes(100 * 1024, i));
  } catch (err) {
    spoolError = info(err);
  }
  const spoolSizeAfterError = spool.size;
  spool.close();
  const report = {
    backend: backend.name,
    landed,
    failedIndex,
    failure,
    later: later.map((r) => (r.status === 'fulfilled' ? { ok: r.value } : { error: info(r.reason) })),
    closeError,
    spoolError,
    spoolSizeAfterError,
    spoolDescriptorsAfterClose: descriptorsInto(spoolDir).length,
  };
  process.stdout.write(JSON.stringify(report));
}

main().catch((err: unknown) => {
  process.stderr.write(`child failed: ${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
