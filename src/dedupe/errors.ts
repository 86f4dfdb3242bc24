import { WarcwireError } from '../errors';

export type DedupeErrorCode =
  | 'ERR_DEDUPE_CONFIG' // bad URL, threshold, entry count, timeout...
  | 'ERR_DEDUPE_INPUT' // a candidate with a malformed digest, length, date or id
  | 'ERR_DEDUPE_CLOSED'; // check() after close()

export class DedupeError extends WarcwireError {
  declare readonly code: DedupeErrorCode;

  constructor(code: DedupeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
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
