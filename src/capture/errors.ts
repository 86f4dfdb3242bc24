import { WarcwireError } from '../errors';

/** Error codes of the capture layer (socket tee, exchange assembly, record pairs). */
export type CaptureErrorCode =
  | 'ERR_CAPTURE_CONNECTION_CLOSED' // the connection ended inside a response (record written truncated)
  | 'ERR_CAPTURE_NO_RESPONSE' // the connection ended before any response byte (nothing written)
  | 'ERR_CAPTURE_UNSOLICITED' // response bytes with no request outstanding (not written; the connection is closed after the responses before them)
  | 'ERR_CAPTURE_NO_REQUEST_HEAD' // the response ended before the request head was complete (nothing written)
  | 'ERR_CAPTURE_INTERNAL'; // an unexpected failure inside the capture (nothing written)

export class CaptureError extends WarcwireError {
  declare readonly code: CaptureErrorCode;
  constructor(code: CaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
