/**
 * Incremental zstd decoder stopping at each frame boundary: the frame scanner
 * says how many input bytes belong to the current frame, and exactly those go
 * to one persistent node:zlib ZstdDecompress engine (Node >= 22.15).
 * Skippable frames (e.g. the dictionary frame) end as members with no output.
 */
import * as zlib from 'node:zlib';
import { bytesArgument } from '../arguments';
import { BackendError } from '../errors';
import type { DecodeStep } from '../types';
import { EngineMemberDecoder } from './engine-member-decoder';
import { SyncZlibEngine } from './sync-zlib-engine';
import { ZstdFrameScanner } from './zstd-frame-scanner';
import { requireNodeZstd, requireZstdDictionarySupport } from './zstd-support';

const EMPTY: Buffer = Buffer.alloc(0);
const SKIPPABLE_MAGIC = 0x184d2a50;

export class JsZstdMemberDecoder extends EngineMemberDecoder {
  private readonly dictionary: Buffer | undefined;
  protected engine: SyncZlibEngine;
  private readonly scanner = new ZstdFrameScanner();
  private kind: 'unknown' | 'frame' | 'skippable' = 'unknown';
  private pendingMagic: Buffer = EMPTY;

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
    let prefix: Buffer = EMPTY;
    if (this.kind === 'unknown') {
      // Hold back the first bytes until the magic number says whether they go to the engine.
      const start = this.pendingMagic.length > 0 ? Buffer.concat([this.pendingMagic, input]) : input;
      if (start.length < 4) {
        this.pendingMagic = Buffer.from(start);
        return { output: EMPTY, consumed: input.length, memberEnd: false };
      }
      this.kind = (start.readUInt32LE(0) & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC ? 'skippable' : 'frame';
      prefix = this.pendingMagic;
      this.pendingMagic = EMPTY;
    }
    const bytes = prefix.length > 0 ? Buffer.concat([prefix, input]) : input;
    const scan = this.scanner.scan(bytes); // throws ERR_DECODE on a bad magic number
    const consumed = scan.length - prefix.length;
    let output: Buffer = EMPTY;
    if (this.kind === 'frame') {
      const frame = bytes.subarray(0, scan.length);
      const step = this.engine.write(frame);
      if (step.consumed !== frame.length) {
        throw new BackendError('ERR_DECODE', 'corrupt zstd frame: the decoder stopped before the frame ended');
      }
      output = step.output.length === 1 ? step.output[0]! : Buffer.concat(step.output);
      if (scan.frameEnd) this.nextFrame();
    }
    if (scan.frameEnd) this.kind = 'unknown';
    return { output, consumed, memberEnd: scan.frameEnd };
  }

  /** Node's zstd reset() also drops the dictionary, so dictionary decoders get a fresh engine. */
  private nextFrame(): void {
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
    this.failure = undefined;
  }
}
