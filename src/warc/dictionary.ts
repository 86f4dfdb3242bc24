/**
 * zstd dictionaries in WARC files (IIPC warc-zstd proposal): a skippable frame
 * (magic 0x184D2A5D) first in the file, holding the dictionary zstd-compressed
 * (or raw, which readers also accept).
 */
import { BackendError } from '../backend/errors';
import type { Backend } from '../backend/types';
import { WarcError } from './errors';

export const DICTIONARY_FRAME_MAGIC = 0x184d2a5d;
export const ZSTD_FRAME_MAGIC = 0xfd2fb528;
export const ZSTD_DICT_MAGIC = 0xec30a437;
/** Largest zstd dictionary read from a file, stored or decompressed (64 MiB). */
export const MAX_DICTIONARY = 64 * 1024 * 1024;

/** Wraps a payload in a skippable frame with the dictionary magic. */
export function skippableFrame(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(DICTIONARY_FRAME_MAGIC, 0);
  head.writeUInt32LE(payload.byteLength, 4);
  return Buffer.concat([head, payload]);
}

function magicOf(bytes: Uint8Array): number {
  return bytes.byteLength >= 4 ? Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) : -1;
}

/** Decompresses a dictionary held as one zstd frame, or returns a raw one as is. */
export function rawDictionary(backend: Backend, payload: Uint8Array): Buffer {
  const magic = magicOf(payload);
  if (magic !== ZSTD_FRAME_MAGIC) return Buffer.from(payload);
  const decoder = backend.createMemberDecoder({ compression: 'zstd' });
  try {
    const parts: Buffer[] = [];
    let size = 0;
    let at = 0;
    for (;;) {
      const step = decoder.write(payload.subarray(at, Math.min(payload.byteLength, at + 65536)));
      parts.push(step.output);
      size += step.output.byteLength;
      if (size > MAX_DICTIONARY) throw new WarcError('ERR_WARC_DICTIONARY', `zstd dictionary decompresses to more than ${MAX_DICTIONARY} bytes`);
      at += step.consumed;
      if (step.memberEnd) break;
      if (at >= payload.byteLength && !step.pending) throw new WarcError('ERR_WARC_DICTIONARY', 'zstd dictionary frame is truncated');
    }
    return Buffer.concat(parts);
  } catch (err) {
    // Only damage is ours to explain; e.g. ERR_ZSTD_UNAVAILABLE passes through as is.
    if (err instanceof WarcError || (err instanceof BackendError && err.code !== 'ERR_DECODE')) throw err;
    throw new WarcError('ERR_WARC_DICTIONARY', `cannot decompress the zstd dictionary: ${(err as Error).message}`, { cause: err });
  } finally {
    decoder.close();
  }
}

/** The dictionary frame to put first in every file: the dictionary compressed as one zstd frame. */
export async function dictionaryPreamble(backend: Backend, dictionary: Uint8Array): Promise<Buffer> {
  const encoder = backend.createMemberEncoder({ compression: 'zstd', level: 9 });
  try {
    return skippableFrame(await encoder.encode([dictionary]));
  } finally {
    encoder.close();
  }
}
