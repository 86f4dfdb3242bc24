/**
 * Child of worker-failure.test.ts: runs every kind of native worker job (MemberEncoder batch;
 * sink records compressed whole, as slices and streamed; gzip and zstd) under the fault its
 * WARCWIRE_NATIVE_FAULT names, and prints what each job settled with, then how a
 * MemberDecoder.write on the main thread went and a digest (the addon still works), and exits
 * normally: the test reads the exit status to know the process lived.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BackendError } from '../../../src/backend/errors';
import { loadNativeBackend } from '../../../src/backend/native';
import type { Compression, MemberEncoderOptions } from '../../../src/backend/types';

export interface Outcome {
  ok: boolean;
  code?: string;
  typed?: boolean;
  message?: string;
  fileSize?: number;
}

const backend = loadNativeBackend();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-test-fault-'));

async function settle(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return { ok: true };
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    return { ok: false, code, typed: err instanceof BackendError, message };
  }
}

async function encode(compression: MemberEncoderOptions['compression']): Promise<Outcome> {
  const encoder = backend.createMemberEncoder({ compression });
  try {
    return await settle(() => encoder.encode([Buffer.from('a record block\r\n'.repeat(1000))]));
  } finally {
    encoder.close();
  }
}

/** One append of `size` block bytes to a fresh sink; the file's size after it shows what stayed. */
async function append(compression: Compression, size: number): Promise<Outcome> {
  const file = path.join(dir, `${compression}-${size}.warc`);
  const sink = await backend.openRecordSink(file, { compression });
  const outcome = await settle(() => sink.append(Buffer.from('WARC/1.1\r\n\r\n'), Buffer.alloc(size, 0x61)));
  await sink.close();
  return { ...outcome, fileSize: fs.statSync(file).size };
}

/** What the child prints. */
export interface Report {
  outcomes: Record<string, Outcome>;
  decode: Outcome & { text?: string };
  digest: string;
}

async function main(): Promise<void> {
  const outcomes: Record<string, Outcome> = {
    encodeGzip: await encode('gzip'),
    encodeZstd: await encode('zstd'),
    sinkGzipWhole: await append('gzip', 64 * 1024),
    sinkGzipSliced: await append('gzip', 9 * 1024 * 1024),
    sinkGzipStreamed: await append('gzip', 17 * 1024 * 1024),
    sinkZstdWhole: await append('zstd', 64 * 1024),
    sinkZstdStreamed: await append('zstd', 17 * 1024 * 1024),
  };
  const decoder = backend.createMemberDecoder({ compression: 'gzip' });
  let text: string | undefined;
  const decode = await settle(async () => {
    text = decoder.write(zlib.gzipSync('still here')).output.toString();
  });
  decoder.close();
  // Still alive and working: a digest touches no compressor and no worker.
  const digest = backend.createDigest('sha1');
  digest.update(Buffer.from('still here'));
  fs.rmSync(dir, { recursive: true, force: true });
  const report: Report = { outcomes, decode: { ...decode, ...(text !== undefined ? { text } : {}) }, digest: digest.label() };
  process.stdout.write(JSON.stringify(report));
}

void main();
