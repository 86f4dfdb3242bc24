/**
 * Incremental zstd decoder stopping at each frame boundary: the frame scanner
 * says how many input bytes belong to the current frame, and exactly those go
 * to one persistent node:zlib ZstdDecompress engine (Node >= 22.15).
 * Skippable frames (e.g. the dictionary frame) end as members with no output.
 */
import * as zlib from 'node:zlib';
import { bytesArgument } from '../arguments';
import { BackendError } from '../errors';
import { MAX_DECODE_OUTPUT, type DecodeStep } from '../types';
import { EngineMemberDecoder } from './engine-member-decoder';
import { SyncZlibEngine } from './sync-zlib-engine';
import { ZstdFrameScanner } from './zstd-frame-scanner';
import { requireNodeZstd, requireZstdDictionarySupport } from './zstd-support';

const EMPTY: Buffer = Buffer.alloc(0);
const SKIPPABLE_MAGIC = 0x184d2a50;

function joined(parts: Buffer[]): Buffer {
  return parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export class JsZstdMemberDecoder extends EngineMemberDecoder {
  private readonly dictionary: Buffer | undefined;
  protected engine: SyncZlibEngine;
  private readonly scanner = new ZstdFrameScanner();
  private kind: 'unknown' | 'frame' | 'skippable' = 'unknown';
  private pendingMagic: Buffer = EMPTY;
  /** Every byte of the current frame was taken, but output is still pending. */
  private frameDrained = false;

  constructor(dictionary?: Uint8Array) {
    super();
    requireNodeZstd();
    if (dictionary !== undefined) requireZstdDictionarySupport();
    this.dictionary = dictionary === undefined ? undefined : Buffer.from(bytesArgument(dictionary, 'dictionary', 'ERR_INVALID_OPTION'));
    this.engine = this.newEngine();
  }

  private newEngine(): SyncZlibEngine {
    const ZstdDecompress = requireNodeZstd().ZstdDecompress;
    const engine = new ZstdDecompress(this.dictionary === undefined ? {} : { dictionary: this.dictionary });
    const continueFlag = (zlib.constants as unknown as Record<string, number>)['ZSTD_e_continue'] ?? 0;
    return new SyncZlibEngine(engine, continueFlag, 'zstd');
  }

  protected decodeError(err: unknown): BackendError {
    return new BackendError('ERR_DECODE', `corrupt zstd frame: ${String(err)}`, { cause: err });
  }

  protected step(input: Buffer): DecodeStep {
    if (!this.engine.pending && !this.frameDrained) return this.take(input, EMPTY);
    // Output pending from input already consumed comes first; the frame ends once it is all out.
    const step = this.engine.write(EMPTY);
    const drained = joined(step.output);
    if (step.pending) return { output: drained, consumed: 0, memberEnd: false, pending: true };
    if (!this.frameDrained) return this.take(input, drained);
    this.nextFrame();
    return { output: drained, consumed: 0, memberEnd: true, pending: false };
  }

  /** Decodes what of `input` belongs to the current frame, after `head` (output already drained in this call). */
  private take(input: Buffer, head: Buffer): DecodeStep {
    let prefix: Buffer = EMPTY;
    if (this.kind === 'unknown') {
      // Hold back the first bytes until the magic number says whether they go to the engine.
      const start = this.pendingMagic.length > 0 ? Buffer.concat([this.pendingMagic, input]) : input;
      if (start.length < 4) {
        this.pendingMagic = Buffer.from(start);
        return { output: head, consumed: input.length, memberEnd: false, pending: false };
      }
      this.kind = (start.readUInt32LE(0) & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC ? 'skippable' : 'frame';
      prefix = this.pendingMagic;
      this.pendingMagic = EMPTY;
    }
    const bytes = prefix.length > 0 ? Buffer.concat([prefix, input]) : input;
    if (this.kind === 'skippable') {
      const scan = this.scanner.scan(bytes); // throws ERR_DECODE on a bad magic number
      if (scan.frameEnd) this.kind = 'unknown';
      return { output: head, consumed: scan.length - prefix.length, memberEnd: scan.frameEnd, pending: false };
    }
    // The engine may stop early (output bound): the scanner then moves only past what it took.
    // zstd takes a frame's first bytes (magic, header) before any output, so the prefix is always taken.
    const frame = bytes.subarray(0, this.scanner.peek(bytes).length);
    const step = this.engine.write(frame, MAX_DECODE_OUTPUT - head.length);
    if (!step.pending && step.consumed !== frame.length) {
      throw new BackendError('ERR_DECODE', 'corrupt zstd frame: the decoder stopped before the frame ended');
    }
    const scan = this.scanner.scan(frame.subarray(0, step.consumed));
    const output = joined(head.length > 0 ? [head, ...step.output] : step.output);
    // A frame whose bytes are all taken ends only once its output is drained.
    if (scan.frameEnd && step.pending) this.frameDrained = true;
    else if (scan.frameEnd) this.nextFrame();
    return { output, consumed: step.consumed - prefix.length, memberEnd: scan.frameEnd && !step.pending, pending: step.pending };
  }

  /** Node's zstd reset() also drops the dictionary, so dictionary decoders get a fresh engine. */
  private nextFrame(): void {
    this.kind = 'unknown';
    this.frameDrained = false;
    if (this.dictionary === undefined) {
      this.engine.reset();
    } else {
      this.engine.close();
      this.engine = this.newEngine();
    }
  }

  reset(): void {
    if (this.closed) return;
    this.engine.close();
    this.engine = this.newEngine();
    this.scanner.reset();
    this.kind = 'unknown';
    this.pendingMagic = EMPTY;
    this.frameDrained = false;
    this.failure = undefined;
  }
}
