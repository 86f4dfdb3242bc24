/**
 * Finds zstd frame boundaries (RFC 8878) by walking frame and block headers,
 * without decompressing. The decompressor alone cannot say where a frame ends
 * when the input stops exactly there; the scanner can, so the decoder feeds
 * it exactly one frame at a time.
 */
import { BackendError } from '../errors';

export const ZSTD_FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

type Field = 'magic' | 'skipSize' | 'descriptor' | 'blockHeader' | 'skip';

export interface ScanStep {
  /** Bytes of the input that belong to the current frame. */
  length: number;
  /** True when the frame ended within those bytes. */
  frameEnd: boolean;
}

function corrupt(message: string): BackendError {
  return new BackendError('ERR_DECODE', `corrupt zstd frame: ${message}`);
}

export class ZstdFrameScanner {
  private field: Field = 'magic';
  private need = 4;
  private acc: number[] = [];
  /** What follows the current `skip` run: another block header, or the frame end. */
  private afterSkip: 'blockHeader' | 'end' = 'blockHeader';
  private checksum = false;

  scan(input: Uint8Array): ScanStep {
    let pos = 0;
    while (pos < input.length) {
      if (this.field === 'skip') {
        const take = Math.min(this.need, input.length - pos);
        pos += take;
        this.need -= take;
        if (this.need > 0) break;
        if (this.afterSkip === 'end') {
          this.restart();
          return { length: pos, frameEnd: true };
        }
        this.expect('blockHeader', 3);
        continue;
      }
      this.acc.push(input[pos++]!);
      if (this.acc.length < this.need) continue;
      if (this.onField()) return { length: pos, frameEnd: true };
    }
    return { length: pos, frameEnd: false };
  }

  /** What scan(input) would return, without moving past those bytes. */
  peek(input: Uint8Array): ScanStep {
    const probe = new ZstdFrameScanner();
    probe.field = this.field;
    probe.need = this.need;
    probe.acc = [...this.acc];
    probe.afterSkip = this.afterSkip;
    probe.checksum = this.checksum;
    return probe.scan(input);
  }

  reset(): void {
    this.restart();
  }

  private restart(): void {
    this.expect('magic', 4);
    this.checksum = false;
  }

  private expect(field: Field, need: number): void {
    this.field = field;
    this.need = need;
    this.acc = [];
  }

  private skip(count: number, then: 'blockHeader' | 'end'): boolean {
    this.afterSkip = then;
    if (count === 0) {
      if (then === 'end') {
        this.restart();
        return true;
      }
      this.expect('blockHeader', 3);
      return false;
    }
    this.field = 'skip';
    this.need = count;
    this.acc = [];
    return false;
  }

  /** Handles a completed fixed-size field; returns true when the frame ended. */
  private onField(): boolean {
    const a = this.acc;
    switch (this.field) {
      case 'magic': {
        const magic = (a[0]! | (a[1]! << 8) | (a[2]! << 16) | (a[3]! << 24)) >>> 0;
        if (magic === ZSTD_FRAME_MAGIC) {
          this.expect('descriptor', 1);
        } else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.expect('skipSize', 4);
        } else {
          throw corrupt(`bad magic number 0x${magic.toString(16)}`);
        }
        return false;
      }
      case 'skipSize':
        return this.skip((a[0]! | (a[1]! << 8) | (a[2]! << 16) | (a[3]! << 24)) >>> 0, 'end');
      case 'descriptor': {
        const fhd = a[0]!;
        if (fhd & 0x08) throw corrupt('reserved bit set in the frame header descriptor');
        const singleSegment = (fhd >> 5) & 1;
        const fcsFlag = fhd >> 6;
        this.checksum = (fhd & 0x04) !== 0;
        const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
        const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
        return this.skip((singleSegment ? 0 : 1) + dictIdSize + fcsSize, 'blockHeader');
      }
      case 'blockHeader': {
        const header = a[0]! | (a[1]! << 8) | (a[2]! << 16);
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) throw corrupt('reserved block type');
        const contentSize = type === 1 ? 1 : size; // RLE blocks store one byte
        if ((header & 1) === 0) return this.skip(contentSize, 'blockHeader');
        // The last block's content, then the optional 4-byte checksum, end the frame.
        return this.skip(contentSize + (this.checksum ? 4 : 0), 'end');
      }
      default:
        throw corrupt('internal scanner state');
    }
  }
}
