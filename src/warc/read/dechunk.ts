/**
 * Streaming removal of chunked transfer coding from a stored body, for payload
 * digests and payload(): the capture's decoder, with a coding error ending the
 * decoding (`valid` false) instead of failing the read.
 */
import { ChunkedDecoder } from '../../http/chunked';
import { HttpParseError } from '../../http/errors';

export class Dechunker {
  private readonly decoder = new ChunkedDecoder();
  /** False once the input stopped being valid chunked coding. */
  valid = true;

  constructor(private readonly emit: (data: Uint8Array) => void) {}

  /** True once a first chunk-size line was read: the input is chunked coding, not a body mislabelled as one. */
  get started(): boolean {
    return this.decoder.started;
  }

  write(chunk: Uint8Array): void {
    if (!this.valid || this.decoder.done) return;
    try {
      this.decoder.write(chunk, 0, this.emit);
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.valid = false;
    }
  }
}
