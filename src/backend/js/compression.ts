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

/** One complete gzip member / zstd frame holding `input`. */
export function compressMember(settings: MemberCompression, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err ? reject(err) : resolve(out));
    if (settings.compression === 'gzip') {
      zlib.gzip(input, { level: settings.level, chunkSize: OUTPUT_CHUNK }, done);
    } else {
      requireNodeZstd().zstdCompress(input, zstdOptions(settings, input.byteLength), done);
    }
  });
}

/** A Transform producing one gzip member / zstd frame from `size` bytes written to it. */
export function createMemberStream(settings: MemberCompression, size: number): Transform {
  if (settings.compression === 'gzip') return zlib.createGzip({ level: settings.level, chunkSize: OUTPUT_CHUNK });
  return requireNodeZstd().createZstdCompress(zstdOptions(settings, size));
}
