/**
 * Incremental gzip member decoder (RFC 1952) that stops at each member
 * boundary. The header and trailer are parsed here; the deflate body goes
 * through one persistent raw-inflate engine, reset between members.
 */
import * as zlib from 'node:zlib';
import { BackendError } from '../errors';
import type { DecodeStep } from '../types';
import { EngineMemberDecoder } from './engine-member-decoder';
import { SyncZlibEngine } from './sync-zlib-engine';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED_FLAGS = 0xe0;
/** Headers longer than this (huge FEXTRA/FNAME/FCOMMENT) are treated as corrupt. */
const MAX_HEADER = 1 << 20;
const EMPTY: Buffer = Buffer.alloc(0);

type Phase = 'header' | 'body' | 'trailer';

function corrupt(message: string): BackendError {
  return new BackendError('ERR_DECODE', `corrupt gzip member: ${message}`);
}

function endOfZeroTerminated(bytes: Buffer, from: number): number {
  const zero = bytes.indexOf(0, from);
  return zero < 0 ? -1 : zero + 1;
}

/** Length of the gzip header at the start of `bytes`, or -1 when more bytes are needed. */
export function gzipHeaderLength(bytes: Buffer): number {
  if (bytes.length >= 1 && bytes[0] !== 0x1f) throw corrupt(`bad magic byte 0x${bytes[0]!.toString(16)} (expected 1f 8b)`);
  if (bytes.length >= 2 && bytes[1] !== 0x8b) throw corrupt(`bad magic byte 0x${bytes[1]!.toString(16)} (expected 1f 8b)`);
  if (bytes.length >= 3 && bytes[2] !== 8) throw corrupt(`unsupported compression method ${bytes[2]} (expected 8, deflate)`);
  if (bytes.length < 10) return -1;
  const flags = bytes[3]!;
  if (flags & RESERVED_FLAGS) throw corrupt(`reserved header flags set (0x${flags.toString(16)})`);
  let pos = 10;
  if (flags & FEXTRA) {
    if (bytes.length < pos + 2) return -1;
    pos += 2 + bytes.readUInt16LE(pos);
    if (bytes.length < pos) return -1;
  }
  if (flags & FNAME) {
    pos = endOfZeroTerminated(bytes, pos);
    if (pos < 0) return -1;
  }
  if (flags & FCOMMENT) {
    pos = endOfZeroTerminated(bytes, pos);
    if (pos < 0) return -1;
  }
  if (flags & FHCRC) {
    if (bytes.length < pos + 2) return -1;
    const expected = zlib.crc32(bytes.subarray(0, pos)) & 0xffff;
    if (bytes.readUInt16LE(pos) !== expected) throw corrupt('header CRC16 mismatch');
    pos += 2;
  }
  return pos;
}

export class JsGzipMemberDecoder extends EngineMemberDecoder {
  protected engine = new SyncZlibEngine(zlib.createInflateRaw(), zlib.constants.Z_NO_FLUSH, 'gzip');
  private phase: Phase = 'header';
  private pending: Buffer = EMPTY; // partial header or trailer bytes
  private crc = 0;
  private isize = 0;

  protected decodeError(err: unknown): BackendError {
    return corrupt(String(err));
  }

  protected step(input: Buffer): DecodeStep {
    const output: Buffer[] = [];
    let pos = 0;
    let memberEnd = false;
    let pending = false;
    // Output left pending by the last call is drained first, even with empty input.
    while ((pos < input.length || this.engine.pending) && !memberEnd) {
      if (this.phase === 'header') {
        const bytes = this.pending.length > 0 ? Buffer.concat([this.pending, input.subarray(pos)]) : input.subarray(pos);
        const length = gzipHeaderLength(bytes);
        if (length < 0) {
          if (bytes.length > MAX_HEADER) throw corrupt(`header longer than ${MAX_HEADER} bytes`);
          this.pending = Buffer.from(bytes);
          pos = input.length;
        } else {
          pos += length - this.pending.length;
          this.pending = EMPTY;
          this.phase = 'body';
          this.crc = 0;
          this.isize = 0;
        }
      } else if (this.phase === 'body') {
        const step = this.engine.write(input.subarray(pos));
        for (const chunk of step.output) {
          this.crc = zlib.crc32(chunk, this.crc);
          output.push(chunk);
        }
        this.isize = (this.isize + step.outputLength) >>> 0;
        pos += step.consumed;
        if (step.pending) {
          pending = true;
          break;
        }
        if (step.stalled) this.phase = 'trailer'; // deflate stream ended before the input did
        else if (step.consumed === 0) break; // defensive: no progress possible
      } else {
        const take = Math.min(8 - this.pending.length, input.length - pos);
        this.pending = Buffer.concat([this.pending, input.subarray(pos, pos + take)]);
        pos += take;
        if (this.pending.length === 8) {
          this.finishMember(this.pending);
          memberEnd = true;
        }
      }
    }
    return { output: output.length === 1 ? output[0]! : Buffer.concat(output), consumed: pos, memberEnd, pending };
  }

  private finishMember(trailer: Buffer): void {
    const crc = trailer.readUInt32LE(0);
    const isize = trailer.readUInt32LE(4);
    if (crc !== this.crc >>> 0) throw corrupt(`CRC32 mismatch (trailer ${crc.toString(16)}, data ${(this.crc >>> 0).toString(16)})`);
    if (isize !== this.isize) throw corrupt(`length mismatch (trailer ${isize}, data ${this.isize} mod 2^32)`);
    this.pending = EMPTY;
    this.phase = 'header';
    this.engine.reset();
  }

  reset(): void {
    if (this.closed) return;
    if (this.engine.failed) {
      this.engine.close();
      this.engine = new SyncZlibEngine(zlib.createInflateRaw(), zlib.constants.Z_NO_FLUSH, 'gzip');
    } else {
      this.engine.reset();
    }
    this.phase = 'header';
    this.pending = EMPTY;
    this.failure = undefined;
  }
}
