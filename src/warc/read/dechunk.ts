/** Streaming removal of HTTP/1.1 chunked transfer-coding, for payload digests. */

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export class Dechunker {
  private state: State = 'size';
  private line = '';
  private left = 0;
  private sized = false;
  /** False once the input stopped looking like valid chunked coding. */
  valid = true;

  constructor(private readonly emit: (data: Buffer) => void) {}

  /** True once a first chunk-size line was read: the input is chunked coding, not a body mislabelled as one. */
  get started(): boolean {
    return this.sized;
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  write(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.valid && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, chunk.length - i);
        this.emit(chunk.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      const byte = chunk[i++];
      if (byte !== 0x0a) {
        this.line += String.fromCharCode(byte);
        if (this.line.length > 4096) this.valid = false;
        continue;
      }
      const line = this.line.replace(/\r$/, '');
      this.line = '';
      if (this.state === 'size') {
        const m = /^([0-9a-fA-F]+)\s*(;.*)?$/.exec(line);
        if (!m) {
          this.valid = false;
          break;
        }
        this.left = parseInt(m[1], 16);
        this.sized = true;
        this.state = this.left === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data-end') {
        if (line !== '') {
          this.valid = false;
          break;
        }
        this.state = 'size';
      } else if (this.state === 'trailer' && line === '') {
        this.state = 'done';
      }
    }
  }
}
