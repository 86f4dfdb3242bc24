import { WarcwireError } from '../errors';

export type WarcErrorCode =
  | 'ERR_WARC_INVALID_RECORD' // a record fails validation before writing (names the field)
  | 'ERR_WARC_WRITER_CLOSED' // write() after close()
  | 'ERR_WARC_INVALID_OPTION' // a WarcWriter option that cannot work (writers < 1, dictionary without zstd...)
  | 'ERR_WARC_INPUT' // the input cannot be read at all (missing file, a directory, I/O error)
  | 'ERR_WARC_PARSE' // input is not a well-formed WARC at some offset (strict reading)
  | 'ERR_WARC_HEADER_TOO_LONG' // a header line or block of header lines passes the reader's bound
  | 'ERR_WARC_TRUNCATED' // input ends inside a record or compressed member
  | 'ERR_WARC_BLOCK_CONSUMED' // a record's block was read twice, or after moving on
  | 'ERR_WARC_MEND_TARGET_EXISTS' // mend would rename an .open file onto a file that already exists
  | 'ERR_WARC_OUTPUT' // recompress's OUT cannot be written: exists (no force), is not a file, no such directory
  | 'ERR_WARC_DICTIONARY' // a zstd dictionary frame or file is unusable
  | 'ERR_WARC_CONTENT_ENCODING'; // a payload's Content-Encoding cannot be decoded (unknown coding, corrupt data)

/** Errors about WARC content: validation on write, parse damage on read. */
export class WarcError extends WarcwireError {
  declare readonly code: WarcErrorCode;
  /** The WARC field at fault, when one is. */
  readonly field?: string;
  /** Byte offset in the (compressed) input where the problem was found, when reading. */
  readonly offset?: number;

  constructor(
    code: WarcErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string; offset?: number },
  ) {
    super(code, message, options);
    if (options?.field !== undefined) this.field = options.field;
    if (options?.offset !== undefined) this.offset = options.offset;
  }
}
