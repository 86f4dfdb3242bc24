import type { BackendError } from '../backend/errors';
import type { HttpParseError } from '../http/errors';
import type { CaptureError } from './errors';
import type { CapturedExchange, TruncationReason } from './exchange';

/** Why an exchange produced nothing to write, as a typed error. */
export type CaptureFailure = CaptureError | HttpParseError | BackendError;

/**
 * What one exchange came to, decided once by the capture when it is over. Whoever
 * receives it owns the exchange's spools: it hands them to the writer, which closes
 * them after the write, or discards them.
 * - `complete`: request and response whole; write the pair.
 * - `truncated`: a response head arrived but its body was cut (`reason`, WARC-Truncated);
 *   write the pair with what was kept. `cause` says what ended it when that was an error.
 * - `failed`: nothing can be written (no response head, malformed HTTP, a spool error).
 */
export type ExchangeOutcome<Caller> =
  | { readonly state: 'complete'; readonly exchange: CapturedExchange<Caller> }
  | { readonly state: 'truncated'; readonly reason: TruncationReason; readonly exchange: CapturedExchange<Caller>; readonly cause?: Error }
  | { readonly state: 'failed'; readonly error: CaptureFailure; readonly exchange: CapturedExchange<Caller> };
