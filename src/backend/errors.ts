import { WarcwireError } from '../errors';

/** Error codes raised by the backend primitives (both implementations use the same ones). */
export type BackendErrorCode =
  | 'ERR_BACKEND_UNAVAILABLE' // WARCWIRE_BACKEND=native but the addon cannot load
  | 'ERR_ZSTD_UNAVAILABLE' // js backend on a Node without zlib zstd
  | 'ERR_INVALID_OPTION' // bad level, unknown algorithm, dictionary with gzip...
  | 'ERR_INVALID_ARG' // a method argument it cannot take: not a byte view, a detached buffer, a bad read range
  | 'ERR_SPOOL_CLOSED' // append/read after close
  | 'ERR_SPOOL_IO' // temp file could not be created/written/read
  | 'ERR_SINK_CLOSED' // append after close
  | 'ERR_SINK_OPEN' // file cannot be opened (missing directory, permissions)
  | 'ERR_SINK_WRITE' // write/fsync failed (disk full, file too large, I/O error)
  | 'ERR_DEFLATE' // zlib or libdeflate failed while compressing a gzip member (not the input's fault: input is never refused)
  | 'ERR_ZSTD' // zstd failed while compressing a frame
  | 'ERR_NO_MEMORY' // an allocation failed (a buffer for a record or member, a compressor's state)
  | 'ERR_DECODE'; // corrupt compressed input

export class BackendError extends WarcwireError {
  declare readonly code: BackendErrorCode;
  /** errno-style code of the underlying system error, when there was one (ENOSPC, EFBIG, ENOENT...). */
  readonly syscallCode?: string;

  constructor(code: BackendErrorCode, message: string, options?: { cause?: unknown; syscallCode?: string }) {
    super(code, message, options);
    if (options?.syscallCode !== undefined) this.syscallCode = options.syscallCode;
  }
}
