/**
 * Feature detection for zstd in `node:zlib` (Node >= 22.15 / 23.8). Node 20
 * has none: the js backend then refuses zstd with ERR_ZSTD_UNAVAILABLE.
 */
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { BackendError } from '../errors';

/** The zstd part of `node:zlib` on Nodes that have it (absent from @types/node 20). */
export interface ZlibZstd {
  zstdCompress(buf: Uint8Array, options: ZstdCompressOptions, cb: (err: Error | null, out: Buffer) => void): void;
  zstdCompressSync(buf: Uint8Array, options: ZstdCompressOptions): Buffer;
  zstdDecompressSync(buf: Uint8Array, options?: { dictionary?: Uint8Array }): Buffer;
  createZstdCompress(options: ZstdCompressOptions): Transform;
  /** A zlib engine; driven through its handle by SyncZlibEngine. */
  ZstdDecompress: new (options?: { dictionary?: Uint8Array; chunkSize?: number }) => unknown;
}

export interface ZstdCompressOptions {
  params: Record<number, number>;
  pledgedSrcSize?: number;
  dictionary?: Uint8Array;
  chunkSize?: number;
}

const candidate = zlib as unknown as Partial<ZlibZstd>;
const constants = zlib.constants as unknown as Record<string, number | undefined>;

export const nodeZstd: ZlibZstd | undefined =
  typeof candidate.zstdCompress === 'function' &&
  typeof candidate.createZstdCompress === 'function' &&
  typeof candidate.ZstdDecompress === 'function'
    ? (candidate as ZlibZstd)
    : undefined;

export function zstdUnavailableError(detail = ''): BackendError {
  return new BackendError(
    'ERR_ZSTD_UNAVAILABLE',
    `zstd is not available in the pure-JS backend on Node ${process.versions.node}${detail}: ` +
      'use Node >= 22.15 (whose node:zlib has zstd) or the native addon (WARCWIRE_BACKEND=native, built with `npm run build:native`)',
  );
}

export function requireNodeZstd(): ZlibZstd {
  if (nodeZstd === undefined) throw zstdUnavailableError();
  return nodeZstd;
}

function constant(name: string): number {
  const value = constants[name];
  if (value === undefined) throw zstdUnavailableError(` (node:zlib lacks ${name})`);
  return value;
}

/** Compressor parameters: level, and always content size + checksum (the WARC zstd convention). */
export function zstdParams(level: number): Record<number, number> {
  return {
    [constant('ZSTD_c_compressionLevel')]: level,
    [constant('ZSTD_c_checksumFlag')]: 1,
    [constant('ZSTD_c_contentSizeFlag')]: 1,
  };
}

let dictionarySupport: boolean | undefined;

/**
 * Early Node zstd releases silently ignore the `dictionary` option, which would
 * write frames that do not match the dictionary frame of the file. Probe once:
 * a frame made with a dictionary must fail to decode without it.
 */
export function requireZstdDictionarySupport(): void {
  const zstd = requireNodeZstd();
  if (dictionarySupport === undefined) {
    const sample = Buffer.from('warcwire dictionary probe '.repeat(8));
    try {
      const probeDict = Buffer.concat([sample, sample]);
      const frame = zstd.zstdCompressSync(sample, {
        params: zstdParams(3),
        dictionary: probeDict,
      });
      try {
        zstd.zstdDecompressSync(frame);
        dictionarySupport = false; // decoded without the dictionary: it was ignored
      } catch {
        dictionarySupport = zstd.zstdDecompressSync(frame, { dictionary: probeDict }).equals(sample);
      }
    } catch {
      dictionarySupport = false;
    }
  }
  if (!dictionarySupport) throw zstdUnavailableError(' (this node:zlib ignores zstd dictionaries)');
}
