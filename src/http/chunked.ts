import { HttpParseError } from './errors';

const CR = 13;
const LF = 10;
/** A chunk-size line (size plus extensions) longer than this is refused. */
const MAX_SIZE_LINE = 4096;
const HEX = /^[0-9A-Fa-f]+$/;

type State = 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer';

/**
 * Incremental decoder of the chunked transfer coding (RFC 9112 §7.1), the one
 * both the capture's framer and the reader use, so a stored payload is read
 * back under the rules it was digested by: chunk extensions are skipped,
 * trailers are consumed (and kept raw in the captured bytes by the caller).
 * Hands out de-chunked payload slices.
 */
export class ChunkedDecoder {
  private state: State = 'size';
  private line: number[] = [];
  private remaining = 0;
  private trailerBytes = 0;
  private trailerLineEmpty = true;
  private sized = false;
  done = false;

  /** `maxTrailerBytes`: a longer trailer section is refused (the reader, streaming a stored body, sets none). */
  constructor(private readonly maxTrailerBytes = Infinity) {}

  /** True once a first chunk-size line was read: the input is chunked coding, not a body mislabelled as one. */
  get started(): boolean {
    return this.sized;
  }

  /**
   * Consumes bytes from `chunk` starting at `start`; calls `onPayload` for data, with the
   * slice's offset in `chunk`.
   * Returns the index just past the last byte of the chunked body when it ends
   * inside this chunk, else -1 (everything consumed).
   */
  write(chunk: Uint8Array, start: number, onPayload: (data: Uint8Array, offset: number) => void): number {
    let i = start;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'size': {
          const b = chunk[i++]!;
          if (b === LF) {
            this.sizeLineDone();
          } else {
            if (this.line.length >= MAX_SIZE_LINE) {
              throw new HttpParseError('ERR_HTTP_INVALID_CHUNK', 'chunk size line too long');
            }
            this.line.push(b);
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, n - i);
          onPayload(chunk.subarray(i, i + take), i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr': {
          const b = chunk[i++]!;
          if (b === CR) this.state = 'data-lf';
          else if (b === LF) this.state = 'size';
          else throw new HttpParseError('ERR_HTTP_INVALID_CHUNK', 'chunk data not followed by CRLF');
          break;
        }
        case 'data-lf': {
          const b = chunk[i++]!;
          if (b !== LF) throw new HttpParseError('ERR_HTTP_INVALID_CHUNK', 'chunk data not followed by CRLF');
          this.state = 'size';
          break;
        }
        case 'trailer': {
          const b = chunk[i++]!;
          if (++this.trailerBytes > this.maxTrailerBytes) {
            throw new HttpParseError('ERR_HTTP_HEAD_TOO_LARGE', `chunked trailer section over ${this.maxTrailerBytes} bytes`);
          }
          if (b === LF) {
            if (this.trailerLineEmpty) {
              this.done = true;
              return i;
            }
            this.trailerLineEmpty = true;
          } else if (b !== CR) {
            this.trailerLineEmpty = false;
          }
          break;
        }
      }
    }
    return -1;
  }

  private sizeLineDone(): void {
    let end = this.line.length;
    if (end > 0 && this.line[end - 1] === CR) end--;
    const text = Buffer.from(this.line.slice(0, end)).toString('latin1');
    this.line = [];
    const semi = text.indexOf(';');
    const hex = (semi >= 0 ? text.slice(0, semi) : text).replace(/[ \t]+$/, '');
    const significant = hex.replace(/^0+(?=.)/, '');
    if (!HEX.test(hex) || significant.length > 13) {
      throw new HttpParseError('ERR_HTTP_INVALID_CHUNK', `invalid chunk size ${JSON.stringify(text.slice(0, 40))}`);
    }
    const size = parseInt(significant, 16);
    this.sized = true;
    if (size === 0) {
      this.state = 'trailer';
      this.trailerLineEmpty = true;
    } else {
      this.remaining = size;
      this.state = 'data';
    }
  }
}
