/**
 * Turns raw input bytes into decoded segments tagged with the compressed
 * offset of their gzip member / zstd frame, using the backend's MemberDecoder
 * (which stops at member boundaries). Detects gzip / zstd / plain by magic
 * bytes and reads a leading zstd dictionary frame. Damage between members is
 * reported and skipped by scanning for the next member's magic.
 */
import type { Backend, MemberDecoder } from '../../backend/types';
import { DICTIONARY_FRAME_MAGIC, MAX_DICTIONARY, rawDictionary } from '../dictionary';
import { WarcError } from '../errors';
import type { IssueSink } from './read-issues';

export type InputCompression = 'gzip' | 'zstd' | 'none';

export interface Segment {
  data: Buffer;
  /** Compressed offset where this segment's member starts (plain input: offset of the data). */
  member: number;
  /** Set when the member ends right after this segment: its compressed end offset. */
  end?: number;
  /** The member is damaged or cut short here; `reason` says how. */
  broken?: string;
}

export interface SegmentOptions {
  backend: Backend;
  strict: boolean;
  onIssue: IssueSink;
  /** A raw zstd dictionary for files without a dictionary frame. */
  dictionary?: Uint8Array;
  /** Called once the format is known. */
  onFormat?: (compression: InputCompression) => void;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const FEED = 64 * 1024;

function detect(head: Buffer): InputCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  if (head.length >= 4 && (head.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50) return 'zstd';
  return 'none';
}

export async function* decodeSegments(input: AsyncIterable<Uint8Array>, options: SegmentOptions): AsyncGenerator<Segment> {
  const it = input[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let rawPos = 0;
  let eof = false;
  const more = async (): Promise<boolean> => {
    if (eof) return false;
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (err) {
      if (err instanceof WarcError) throw err;
      throw new WarcError('ERR_WARC_INPUT', `cannot read the input at offset ${rawPos + pending.length}: ${(err as Error).message}`, {
        cause: err,
        offset: rawPos + pending.length,
      });
    }
    if (r.done) {
      eof = true;
      return false;
    }
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    return true;
  };
  try {
    while (pending.length < 8 && (await more()));
    const compression = detect(pending);
    options.onFormat?.(compression);
    if (compression === 'none') {
      for (;;) {
        if (pending.length > 0) yield { data: pending, member: rawPos };
        rawPos += pending.length;
        pending = Buffer.alloc(0);
        if (!(await more())) return;
      }
    }
    let dictionary = options.dictionary;
    if (compression === 'zstd' && pending.length >= 8 && pending.readUInt32LE(0) === DICTIONARY_FRAME_MAGIC) {
      const size = pending.readUInt32LE(4);
      if (size > MAX_DICTIONARY) throw new WarcError('ERR_WARC_DICTIONARY', `zstd dictionary frame of ${size} bytes is too large`, { offset: 0 });
      while (pending.length < 8 + size && (await more()));
      if (pending.length < 8 + size) throw new WarcError('ERR_WARC_DICTIONARY', 'zstd dictionary frame is truncated', { offset: 0 });
      dictionary = rawDictionary(options.backend, pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
      rawPos = 8 + size;
    }
    const magic = compression === 'gzip' ? GZIP_MAGIC : ZSTD_MAGIC;
    const decoder: MemberDecoder = options.backend.createMemberDecoder({
      compression,
      ...(dictionary && compression === 'zstd' ? { dictionary } : {}),
    });
    try {
      let memberStart = rawPos;
      let inMember = false;
      // The decoder holds output for input it already took (DecodeStep.pending): drain before reading on.
      let draining = false;
      for (;;) {
        if (pending.length === 0 && !draining) {
          if (!(await more())) break;
          continue;
        }
        let step;
        try {
          step = decoder.write(pending.subarray(0, FEED));
        } catch (err) {
          // The decoders (both backends) already say what is corrupt: "corrupt zstd frame: …".
          const reason = (err as Error).message;
          if (options.strict) throw new WarcError('ERR_WARC_PARSE', `${reason} (member at offset ${memberStart})`, { offset: memberStart, cause: err });
          if (inMember) yield { data: Buffer.alloc(0), member: memberStart, broken: reason };
          // Skip to the next member's magic (at least one byte on, so we make progress).
          const from = rawPos;
          decoder.reset();
          draining = false;
          let skip = 1;
          for (;;) {
            const at = pending.indexOf(magic, skip);
            if (at >= 0) {
              pending = pending.subarray(at);
              rawPos += at;
              break;
            }
            const keep = Math.min(pending.length, magic.length - 1);
            rawPos += pending.length - keep;
            pending = pending.subarray(pending.length - keep);
            skip = 0;
            if (!(await more())) {
              rawPos += pending.length;
              pending = Buffer.alloc(0);
              break;
            }
          }
          if (!inMember) {
            options.onIssue({ offset: from, severity: 'error', kind: 'garbage', message: `${rawPos - from} bytes that are not ${compression} data (skipped)` });
          }
          memberStart = rawPos;
          inMember = false;
          continue;
        }
        pending = pending.subarray(step.consumed);
        rawPos += step.consumed;
        draining = step.pending;
        if (step.consumed > 0) inMember = true;
        if (step.output.length > 0 || step.memberEnd) {
          yield { data: step.output, member: memberStart, ...(step.memberEnd ? { end: rawPos } : {}) };
        }
        if (step.memberEnd) {
          memberStart = rawPos;
          inMember = false;
        } else if (step.consumed === 0 && step.output.length === 0 && !step.pending) {
          if (!(await more())) break;
        }
      }
      if (!inMember && pending.length > 0) {
        // Bytes the decoder would not even start on (e.g. half a member header).
        inMember = true;
      }
      if (inMember) {
        const reason = `${compression} member cut short at end of input`;
        if (options.strict) throw new WarcError('ERR_WARC_TRUNCATED', `${reason} (member at offset ${memberStart})`, { offset: memberStart });
        yield { data: Buffer.alloc(0), member: memberStart, broken: reason };
      }
    } finally {
      decoder.close();
    }
  } finally {
    await it.return?.();
  }
}
