import { WarcwireError } from '../errors';
import type { DedupeSource } from './types';

export type DedupeErrorCode =
  | 'ERR_DEDUPE_CONFIG' // bad URL, threshold, entry count, timeout...
  | 'ERR_DEDUPE_INPUT' // a candidate with a malformed digest, length, date or id
  | 'ERR_DEDUPE_CLOSED' // check() or ping() after close()
  | 'ERR_DEDUPE_UNREACHABLE'; // ping(): a remote source did not answer (see `source`)

export class DedupeError extends WarcwireError {
  declare readonly code: DedupeErrorCode;
  /** The source at fault, for ERR_DEDUPE_UNREACHABLE. */
  readonly source?: DedupeSource;

  constructor(code: DedupeErrorCode, message: string, options?: { cause?: unknown; source?: DedupeSource }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.source !== undefined) this.source = options.source;
  }
}

/** Why a remote lookup failed (the `reason` label of dedupe_lookup_errors_total). */
export type LookupFailureReason = 'timeout' | 'network' | 'http_status' | 'bad_response';

/** Internal: a remote lookup that failed; the chain turns it into "not found". */
export class LookupFailure extends Error {
  constructor(
    readonly reason: LookupFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LookupFailure';
  }
}
