/**
 * Child process of hostile-arguments.test.ts: runs one case (HOSTILE_CASE) against the
 * backend chosen by WARCWIRE_BACKEND and prints its outcome as JSON on stdout. Each case
 * runs in its own process so a crash (a signal) fails the test instead of killing jest.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { loadBackend } from '../../../src/backend';
import { BackendError } from '../../../src/backend/errors';
import type { Backend, SpoolOptions } from '../../../src/backend/types';
import { seededBytes } from '../../helpers/backend-tools';

/** What a call threw: the class and code the test compares across backends. */
export interface Thrown {
  backendError: boolean;
  code?: string;
  message: string;
}

function thrown(err: unknown): Thrown {
  const e = err as { code?: unknown; message?: unknown };
  return {
    backendError: err instanceof BackendError,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    message: String(e.message ?? err),
  };
}

async function outcome(fn: () => unknown): Promise<Thrown | 'ok'> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return thrown(err);
  }
}

/** A copy of `bytes` in a SharedArrayBuffer, at a non-zero offset. */
function shared(bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.byteLength + 8), 8, bytes.byteLength);
  view.set(bytes);
  return view;
}

/** A Uint8Array whose ArrayBuffer was transferred away (detached). */
function detached(size = 16): Uint8Array {
  const view = new Uint8Array(size);
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
  return view;
}

/** Full garbage collection, so a transferred-and-dropped backing store is freed now. */
const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Transfers `view`'s buffer away, drops the receiving copy and frees it. */
function transferAndFree(view: Uint8Array): void {
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
  gc();
}

const GZIP_MEMBER = zlib.gzipSync(Buffer.from('hello, shared memory\n'.repeat(100)));

async function sinkFile(backend: Backend, dir: string, append: (sink: Awaited<ReturnType<Backend['openRecordSink']>>) => Promise<unknown>): Promise<Buffer> {
  const file = path.join(dir, `sink-${Math.random().toString(36).slice(2)}.warc.gz`);
  const sink = await backend.openRecordSink(file, { compression: 'gzip' });
  try {
    await append(sink);
  } finally {
    await sink.close();
  }
  const bytes = fs.readFileSync(file);
  return bytes.length > 0 ? zlib.gunzipSync(bytes) : bytes;
}

function throwingOptions(extra: Record<string, unknown>): { compression: 'gzip' } {
  const options = { ...extra };
  Object.defineProperty(options, 'compression', {
    enumerable: true,
    get() {
      throw new RangeError('compression getter says no');
    },
  });
  return options as { compression: 'gzip' };
}

function throwingProxy(): { compression: 'gzip' } {
  return new Proxy({} as { compression: 'gzip' }, {
    get() {
      throw new SyntaxError('proxy trap says no');
    },
  });
}

/** What every method taking bytes does with `bad()` (a fresh bad value per call). */
async function badBytesOutcomes(backend: Backend, dir: string, bad: () => unknown): Promise<Record<string, unknown>> {
  const spool = backend.createSpool({ tempDir: dir });
  const block = backend.createCaptureBlock({ digestAlgorithm: 'sha1', spool: { tempDir: dir } });
  const decoder = backend.createMemberDecoder({ compression: 'gzip' });
  const encoder = backend.createMemberEncoder({ compression: 'gzip' });
  const badBytes = () => bad() as Uint8Array;
  const report: Record<string, unknown> = {
    digest: await outcome(() => backend.createDigest('sha256').update(badBytes())),
    spool: await outcome(() => spool.append(badBytes())),
    captureBlock: await outcome(() => block.append(badBytes())),
    decoder: await outcome(() => decoder.write(badBytes())),
    encoderParts: await outcome(() => encoder.encode(bad() as Uint8Array[])),
    encoderPart: await outcome(() => encoder.encode([Buffer.from('a'), badBytes()])),
  };
  const file = await sinkFile(backend, dir, async (sink) => {
    report['sinkHeader'] = await outcome(() => sink.append(badBytes(), Buffer.from('x')));
    report['sinkBlock'] = await outcome(() => sink.append(Buffer.from('WARC/1.1\r\n\r\n'), badBytes()));
  });
  report['sinkFileSize'] = file.length;
  report['captureBlockSize'] = block.size;
  spool.close();
  block.close();
  decoder.close();
  encoder.close();
  return report;
}

type Case = (backend: Backend, dir: string) => Promise<unknown>;

const sharedCases: Record<string, Case> = {
  async digest(backend) {
    const bytes = seededBytes(100_000, 1);
    const plain = backend.createDigest('sha1');
    plain.update(bytes);
    const onShared = backend.createDigest('sha1');
    onShared.update(shared(bytes));
    return { same: plain.label() === onShared.label() };
  },
  async spool(backend, dir) {
    const bytes = seededBytes(50_000, 2);
    const results = [];
    for (const memoryLimit of [1 << 20, 0]) {
      const spool = backend.createSpool({ memoryLimit, tempDir: dir });
      spool.append(shared(bytes));
      results.push(spool.read(0, spool.size).equals(bytes));
      spool.close();
    }
    return { same: results.every(Boolean) };
  },
  async captureBlock(backend, dir) {
    const bytes = seededBytes(50_000, 6);
    const labels = [];
    for (const chunk of [bytes, shared(bytes)]) {
      const block = backend.createCaptureBlock({ digestAlgorithm: 'sha256', spool: { tempDir: dir } });
      block.append(chunk, [10, 20_000]);
      labels.push(`${block.blockDigest()} ${block.payloadDigest()} ${block.read(0, block.size).equals(bytes)}`);
      block.close();
    }
    return { same: labels[0] === labels[1] && labels[0]!.endsWith(' true') };
  },
  async decoder(backend) {
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    const step = decoder.write(shared(GZIP_MEMBER));
    decoder.close();
    return { same: step.output.equals(zlib.gunzipSync(GZIP_MEMBER)) && step.memberEnd && step.consumed === GZIP_MEMBER.length };
  },
  async encoder(backend) {
    const bytes = seededBytes(70_000, 3);
    const encoder = backend.createMemberEncoder({ compression: 'gzip' });
    const member = await encoder.encode([shared(bytes.subarray(0, 1000)), shared(bytes.subarray(1000))]);
    encoder.close();
    return { same: zlib.gunzipSync(member).equals(bytes) };
  },
  async sink(backend, dir) {
    const header = Buffer.from('WARC/1.1\r\n\r\n');
    const block = seededBytes(40_000, 4);
    const decoded = await sinkFile(backend, dir, (sink) => sink.append(shared(header), shared(block)));
    return { same: decoded.equals(Buffer.concat([header, block, Buffer.from('\r\n\r\n')])) };
  },
  async 'writer-and-reader'(backend, dir) {
    // Loaded here only: compiling the WARC layer costs the other cases' children seconds.
    const { WarcReader } = await import('../../../src/warc/read/reader');
    const { WarcWriter } = await import('../../../src/warc/write/writer');
    const { newRecordId } = await import('../../../src/warc/record');
    const block = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    const writer = new WarcWriter({ directory: dir, hostname: 'hostile', backend });
    const [written] = await writer.write([
      { type: 'response', id: newRecordId(), date: new Date(0), targetUri: 'http://example.test/', contentType: 'application/http;msgtype=response', block: shared(block) },
    ]);
    await writer.close();
    const file = fs.readFileSync(path.join(dir, written!.filename));
    // The file read back through a source that yields SharedArrayBuffer-backed chunks.
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < file.length; i += 100) yield shared(file.subarray(i, i + 100));
    }
    const blocks: Buffer[] = [];
    const reader = new WarcReader(source(), { backend, strict: true });
    for await (const record of reader) if (record.type === 'response') blocks.push(await record.readBlock());
    return { same: blocks.length === 1 && blocks[0]!.equals(block) };
  },
};

const cases: Record<string, Case> = {
  // SharedArrayBuffer-backed views work like ordinary ones: true when the result is the same.
  async shared(backend, dir) {
    const results: Record<string, boolean> = {};
    for (const [name, run] of Object.entries(sharedCases)) results[name] = ((await run(backend, dir)) as { same: boolean }).same;
    return results;
  },

  // Option getters and Proxy traps that throw: their exception is what the caller gets.
  async 'throwing-options'(backend, dir) {
    const file = path.join(dir, 'never.warc.gz');
    return {
      decoderGetter: await outcome(() => backend.createMemberDecoder(throwingOptions({}))),
      decoderProxy: await outcome(() => backend.createMemberDecoder(throwingProxy())),
      encoderGetter: await outcome(() => backend.createMemberEncoder(throwingOptions({ level: 3 }))),
      encoderProxy: await outcome(() => backend.createMemberEncoder(throwingProxy())),
      sinkGetter: await outcome(() => backend.openRecordSink(file, throwingOptions({}))),
      sinkProxy: await outcome(() => backend.openRecordSink(file, throwingProxy())),
      spoolProxy: await outcome(() => backend.createSpool(throwingProxy() as SpoolOptions)),
      fileCreated: fs.existsSync(file),
    };
  },

  // A buffer transferred (and its memory freed) while its async work is in flight.
  async 'transfer-in-flight'(backend, dir) {
    const size = 8 * 1024 * 1024;
    const original = seededBytes(size, 5);
    const forEncoder = new Uint8Array(size);
    forEncoder.set(original);
    const encoder = backend.createMemberEncoder({ compression: 'gzip', level: 9 });
    const encoding = encoder.encode([forEncoder]);
    transferAndFree(forEncoder);
    const member = await encoding;
    // The next element's getter frees the part before it.
    const early = new Uint8Array(size);
    early.set(original);
    const parts = [early, Buffer.from('!')];
    Object.defineProperty(parts, 1, {
      get() {
        transferAndFree(early);
        return Buffer.from('!');
      },
    });
    const byGetter = await encoder.encode(parts);
    encoder.close();

    const header = Buffer.from('WARC/1.1\r\n\r\n');
    const results: boolean[] = [];
    // 8 MiB is compressed ahead on the pool; 24 MiB streams through the writer.
    for (const blockSize of [size, 3 * size]) {
      const block = new Uint8Array(blockSize);
      block.set(original);
      const decoded = await sinkFile(backend, dir, (sink) => {
        const appending = sink.append(header, block);
        transferAndFree(block);
        return appending;
      });
      const expected = Buffer.concat([header, Buffer.from(original), Buffer.alloc(blockSize - size), Buffer.from('\r\n\r\n')]);
      results.push(decoded.equals(expected));
    }
    return {
      encoderSame: zlib.gunzipSync(member).equals(original),
      encoderGetterSame: zlib.gunzipSync(byGetter).equals(Buffer.concat([original, Buffer.from('!')])),
      sinkSame: results,
    };
  },

  // Buffers already detached when they are passed: a typed error.
  'detached-input': (backend, dir) => badBytesOutcomes(backend, dir, () => detached()),

  // Values that are not bytes where bytes are expected.
  'not-bytes': (backend, dir) => {
    const values: unknown[] = ['text', 42, { length: 3 }, null, [1, 2], { size: 1 }, 7n];
    let next = 0;
    return badBytesOutcomes(backend, dir, () => values[next++ % values.length]);
  },

  // Options that are not objects, and record sink paths that are not paths.
  async 'bad-options'(backend, dir) {
    const anyArg = <T>(value: unknown) => value as T;
    const spool = backend.createSpool(anyArg(null));
    spool.append(Buffer.from('abc'));
    const spoolWorks = spool.read(0, 3).toString() === 'abc';
    spool.close();
    return {
      decoderNull: await outcome(() => backend.createMemberDecoder(anyArg(null))),
      decoderString: await outcome(() => backend.createMemberDecoder(anyArg('gzip'))),
      encoderNull: await outcome(() => backend.createMemberEncoder(anyArg(null))),
      sinkNull: await outcome(() => backend.openRecordSink(path.join(dir, 'a.warc'), anyArg(null))),
      sinkPathNumber: await outcome(() => backend.openRecordSink(anyArg(42), { compression: 'none' })),
      sinkPathEmpty: await outcome(() => backend.openRecordSink('', { compression: 'none' })),
      sinkPathNul: await outcome(() => backend.openRecordSink(path.join(dir, 'a\0b.warc'), { compression: 'none' })),
      spoolWorks,
      files: fs.readdirSync(dir),
    };
  },

  // Capture-block payload ranges that are not ascending, non-overlapping integer ranges within the chunk.
  async 'capture-block-ranges'(backend, dir) {
    const block = backend.createCaptureBlock({ digestAlgorithm: 'sha1', spool: { tempDir: dir } });
    const kept = Buffer.from('kept bytes');
    block.append(kept, [0, 4]);
    const chunk = Buffer.from('0123456789');
    const append = (ranges: unknown) => outcome(() => block.append(chunk, ranges as number[]));
    const throwing = [0, 1];
    Object.defineProperty(throwing, 1, {
      get() {
        throw new RangeError('range getter says no');
      },
    });
    // The getter frees the chunk's memory before the addon looks at its bytes.
    const big = new Uint8Array(1 << 20).fill(7);
    const transferring = [0, 10];
    Object.defineProperty(transferring, 1, {
      get() {
        transferAndFree(big);
        return 10;
      },
    });
    const report = {
      notArray: await append('0,4'),
      arrayLike: await append({ length: 2, 0: 0, 1: 4 }),
      odd: await append([0]),
      negative: await append([-1, 4]),
      fraction: await append([0.5, 4]),
      nan: await append([NaN, 4]),
      infinite: await append([0, Infinity]),
      beyondChunk: await append([0, 11]),
      descending: await append([5, 2]),
      overlapping: await append([0, 4, 3, 6]),
      notNumber: await append(['0', '4']),
      bigint: await append([0n, 4n]),
      sparse: await append(new Array(2 ** 32 - 2)),
      proxyArray: await append(new Proxy([0, 4], {})),
      throwingGetter: await append(throwing),
      transferringGetter: await outcome(() => block.append(big, transferring)),
      // Nothing above reached the spool or the digests.
      size: block.size,
      unchanged: block.blockDigest('base16') === `sha1:${createHash('sha1').update(kept).digest('hex')}`,
      payloadUnchanged: block.payloadDigest('base16') === `sha1:${createHash('sha1').update(kept.subarray(0, 4)).digest('hex')}`,
    };
    block.close();
    return report;
  },

  // spool.read() with ranges it cannot serve.
  async 'spool-read-range'(backend, dir) {
    const spool = backend.createSpool({ tempDir: dir });
    spool.append(Buffer.from('0123456789'));
    const report = {
      negative: await outcome(() => spool.read(-1, 4)),
      nan: await outcome(() => spool.read(0, NaN)),
      fraction: await outcome(() => spool.read(0.5, 4)),
      unsafe: await outcome(() => spool.read(0, 2 ** 60)),
      infinite: await outcome(() => spool.read(0, Infinity)),
      notNumber: await outcome(() => spool.read('0' as unknown as number, 4)),
      // Past the end is fine: short or empty, as documented.
      pastEnd: spool.read(8, 100).toString(),
    };
    spool.close();
    return report;
  },

  // A read of more than one Buffer can hold (4 GiB + 1 on Node 20) from a spool that holds that much.
  async 'spool-read-huge'(backend, dir) {
    const spool = backend.createSpool({ tempDir: dir, fullOnDisk: true });
    const chunk = Buffer.alloc(64 * 1024 * 1024, 7);
    const maxLength = (await import('node:buffer')).constants.MAX_LENGTH;
    try {
      while (spool.size <= maxLength) spool.append(chunk);
      return {
        huge: await outcome(() => spool.read(0, spool.size)),
        tail: spool.read(spool.size - 3, 10).toString('hex'),
      };
    } finally {
      spool.close();
    }
  },
};

async function main(): Promise<void> {
  const name = process.env['HOSTILE_CASE']!;
  const dir = process.env['HOSTILE_DIR']!;
  const run = cases[name];
  if (run === undefined) throw new Error(`unknown case ${name}`);
  const backend = loadBackend();
  const result = await run(backend, dir);
  process.stdout.write(JSON.stringify({ backend: backend.name, result }));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${String((reason as Error).stack ?? reason)}\n`);
  process.exit(3);
});

main().catch((err: unknown) => {
  process.stderr.write(`child failed: ${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
