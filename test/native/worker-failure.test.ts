/**
 * A native worker that fails inside Execute surfaces as a typed BackendError with a code that
 * says what failed, and the process lives. The failures are real failures of zlib and zstd
 * (a flush mode they reject) or a std::bad_alloc thrown where a worker allocates a member,
 * switched on by the test-only WARCWIRE_NATIVE_FAULT (native/fault.h), in a child process.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { base32Encode } from '../../src/digest/base32';
import { runTsChild } from '../helpers/backend-child';
import { underSanitizer } from '../helpers/backend-tools';
import type { Outcome, Report } from './children/worker-fault';

const CHILD = path.join(__dirname, 'children', 'worker-fault.ts');

async function underFault(fault: string): Promise<Report> {
  const result = await runTsChild(CHILD, { env: { WARCWIRE_NATIVE_FAULT: fault, WARCWIRE_BACKEND: 'native' }, timeoutMs: 60_000 });
  // The process lived and ended on its own: no abort, no terminate().
  expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  return JSON.parse(result.stdout) as Report;
}

/** A typed failure with `code`; for a sink, the file is left empty (a partial member is cut away). */
function failedWith(code: string, messagePart: string, fileSize?: number): Outcome {
  return expect.objectContaining({
    ok: false,
    code,
    typed: true,
    message: expect.stringContaining(messagePart) as unknown as string,
    ...(fileSize !== undefined ? { fileSize } : {}),
  }) as unknown as Outcome;
}

/** The process goes on working after the failures; the decoder too, unless allocations fail. */
function expectAlive(report: Report, decoderWorks = true): void {
  if (decoderWorks) expect(report.decode).toEqual({ ok: true, text: 'still here' });
  else expect(report.decode).toEqual(failedWith('ERR_NO_MEMORY', 'out of memory'));
  expect(report.digest).toBe(`sha1:${base32Encode(createHash('sha1').update('still here').digest())}`);
}

describe('a native worker failing inside Execute', () => {
  test('deflate errors are ERR_DEFLATE on every gzip path; nothing partial stays in the file', async () => {
    const report = await underFault('deflate');
    expect(report.outcomes).toEqual({
      encodeGzip: failedWith('ERR_DEFLATE', 'libdeflate'),
      encodeZstd: { ok: true },
      sinkGzipWhole: failedWith('ERR_DEFLATE', 'libdeflate', 0),
      sinkGzipSliced: failedWith('ERR_DEFLATE', 'zlib', 0),
      sinkGzipStreamed: failedWith('ERR_DEFLATE', 'zlib', 0),
      sinkZstdWhole: expect.objectContaining({ ok: true }),
      sinkZstdStreamed: expect.objectContaining({ ok: true }),
    });
    expectAlive(report);
  }, 90_000);

  test('zstd errors are ERR_ZSTD', async () => {
    const report = await underFault('zstd');
    const zstd = failedWith('ERR_ZSTD', 'zstd');
    expect(report.outcomes).toEqual({
      encodeGzip: { ok: true },
      encodeZstd: zstd,
      sinkGzipWhole: expect.objectContaining({ ok: true }),
      sinkGzipSliced: expect.objectContaining({ ok: true }),
      sinkGzipStreamed: expect.objectContaining({ ok: true }),
      sinkZstdWhole: failedWith('ERR_ZSTD', 'zstd', 0),
      sinkZstdStreamed: failedWith('ERR_ZSTD', 'zstd', 0),
    });
    expectAlive(report);
  }, 90_000);

  test('std::bad_alloc on a worker (or in MemberDecoder.write) is ERR_NO_MEMORY, never an abort', async () => {
    const report = await underFault('alloc');
    const noMemory = failedWith('ERR_NO_MEMORY', 'out of memory');
    expect(report.outcomes).toEqual({
      encodeGzip: noMemory,
      encodeZstd: noMemory,
      sinkGzipWhole: failedWith('ERR_NO_MEMORY', 'out of memory', 0),
      sinkGzipSliced: failedWith('ERR_NO_MEMORY', 'out of memory', 0),
      sinkGzipStreamed: failedWith('ERR_NO_MEMORY', 'out of memory', 0),
      sinkZstdWhole: failedWith('ERR_NO_MEMORY', 'out of memory', 0),
      sinkZstdStreamed: failedWith('ERR_NO_MEMORY', 'out of memory', 0),
    });
    expectAlive(report, false);
  }, 90_000);

  test('an unknown fault name stops the addon from loading, with the reason', async () => {
    const result = await runTsChild(path.join(__dirname, 'children', 'load-native.ts'), {
      env: { WARCWIRE_NATIVE_FAULT: 'everything', WARCWIRE_BACKEND: 'native' },
    });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { error?: { code?: string; message?: string } };
    expect(report.error?.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(report.error?.message).toContain("WARCWIRE_NATIVE_FAULT (test-only) must be 'deflate', 'zstd' or 'alloc', got 'everything'");
  });
});

describe('a real allocation failure on a worker (RLIMIT_AS)', () => {
  // AddressSanitizer reserves terabytes of shadow memory: an address-space cap means nothing there.
  (underSanitizer ? test.skip : test)('is ERR_NO_MEMORY, and the process lives', async () => {
    const result = await runTsChild(path.join(__dirname, 'children', 'address-space-limit.ts'), {
      env: { WARCWIRE_BACKEND: 'native' },
      timeoutMs: 60_000,
    });
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual(failedWith('ERR_NO_MEMORY', 'out of memory'));
  }, 90_000);
});
