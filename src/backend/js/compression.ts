/**
 * Validated compression settings and the two ways the js backend compresses a
 * member: one-shot on a buffer, or as a stream for blocks too big to hold twice.
 * Both run on libuv's thread pool (async node:zlib), never on the main thread.
 */
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { bytesArgument } from '../arguments';
import { DEFAULT_LEVEL } from '../../defaults';
import { BackendError } from '../errors';
import { threadBudget } from './thread-budget';
import { requireNodeZstd, requireZstdDictionarySupport, zstdParams } from './zstd-support';

export interface MemberCompression {
  readonly compression: 'gzip' | 'zstd';
  readonly level: number;
  readonly dictionary?: Buffer;
}

const OUTPUT_CHUNK = 64 * 1024;

/** Checks level/dictionary and zstd availability; throws BackendError on bad options. */
export function resolveMemberCompression(options: {
  compression: string;
  level?: number;
  dictionary?: Uint8Array;
}): MemberCompression {
  const { compression, level, dictionary } = options;
  if (compression === 'gzip') {
    const resolved = level ?? DEFAULT_LEVEL.gzip;
    if (!Number.isInteger(resolved) || resolved < 0 || resolved > 9) {
      throw new BackendError('ERR_INVALID_OPTION', `gzip level must be an integer 0-9, got ${String(level)}`);
    }
    if (dictionary !== undefined) {
      throw new BackendError('ERR_INVALID_OPTION', 'a dictionary is only supported with zstd compression, not gzip');
    }
    return { compression, level: resolved };
  }
  if (compression === 'zstd') {
    const resolved = level ?? DEFAULT_LEVEL.zstd;
    if (!Number.isInteger(resolved) || resolved < 1 || resolved > 22) {
      throw new BackendError('ERR_INVALID_OPTION', `zstd level must be an integer 1-22, got ${String(level)}`);
    }
    if (dictionary !== undefined) bytesArgument(dictionary, 'dictionary', 'ERR_INVALID_OPTION');
    if (dictionary !== undefined && dictionary.byteLength === 0) {
      throw new BackendError('ERR_INVALID_OPTION', 'the zstd dictionary is empty');
    }
    requireNodeZstd();
    if (dictionary !== undefined) requireZstdDictionarySupport();
    return dictionary === undefined
      ? { compression, level: resolved }
      : { compression, level: resolved, dictionary: Buffer.from(dictionary) };
  }
  throw new BackendError('ERR_INVALID_OPTION', `unknown compression ${JSON.stringify(compression)} (expected 'gzip' or 'zstd')`);
}

function zstdOptions(settings: MemberCompression, size: number) {
  return {
    params: zstdParams(settings.level),
    // Content size is written anyway when the whole input arrives in one call;
    // pledging it also covers streamed blocks (on Nodes that support the option).
    pledgedSrcSize: size,
    chunkSize: OUTPUT_CHUNK,
    ...(settings.dictionary !== undefined ? { dictionary: settings.dictionary } : {}),
  };
}

/** Codes of node:zlib errors that mean memory ran out (zlib's own, Node's, V8's buffer allocation). */
const NO_MEMORY_CODES: ReadonlySet<string> = new Set(['Z_MEM_ERROR', 'ERR_MEMORY_ALLOCATION_FAILED', 'ERR_BUFFER_TOO_LARGE']);

/**
 * What a failure of node:zlib while compressing is, as the addon says it: ERR_NO_MEMORY when
 * memory ran out, else ERR_DEFLATE (gzip) or ERR_ZSTD, with the library's words.
 */
export function compressionFailure(settings: MemberCompression, err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  // Duck-typed: node:zlib's errors come from the main realm, not the caller's under vm sandboxes such as jest.
  const { code, name, message } = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; name?: unknown; message?: unknown };
  const words = typeof message === 'string' ? message : String(err);
  const noMemory =
    (typeof code === 'string' && NO_MEMORY_CODES.has(code)) || (name === 'RangeError' && /allocation failed/i.test(words));
  const library = settings.compression === 'gzip' ? 'zlib deflate' : 'zstd';
  if (noMemory) return new BackendError('ERR_NO_MEMORY', `out of memory: ${library} failed (${words})`, { cause: err });
  return new BackendError(settings.compression === 'gzip' ? 'ERR_DEFLATE' : 'ERR_ZSTD', `${library} failed (${words})`, { cause: err });
}

/**
 * One complete gzip member / zstd frame holding `input`, compressed on libuv's pool within
 * the process's thread budget (thread-budget.ts).
 */
export function compressMember(settings: MemberCompression, input: Buffer): Promise<Buffer> {
  return threadBudget.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        const done = (err: Error | null, out: Buffer) => (err ? reject(compressionFailure(settings, err)) : resolve(out));
        try {
          if (settings.compression === 'gzip') {
            zlib.gzip(input, { level: settings.level, chunkSize: OUTPUT_CHUNK }, done);
          } else {
            requireNodeZstd().zstdCompress(input, zstdOptions(settings, input.byteLength), done);
          }
        } catch (err) {
          reject(compressionFailure(settings, err));
        }
      }),
  );
}

/** A Transform producing one gzip member / zstd frame from `size` bytes written to it. */
export function createMemberStream(settings: MemberCompression, size: number): Transform {
  if (settings.compression === 'gzip') return zlib.createGzip({ level: settings.level, chunkSize: OUTPUT_CHUNK });
  return requireNodeZstd().createZstdCompress(zstdOptions(settings, size));
}
