import { WarcwireError } from '../errors';

export type ClientErrorCode =
  | 'ERR_INVALID_SETTING' // a WarcClient setting is out of range or of the wrong type
  | 'ERR_CLIENT_CLOSED' // fetch()/dispatch after close()
  | 'ERR_REQUEST_TIMEOUT' // the whole-request timeout fired (record, if any, truncated with `time`)
  | 'ERR_TOO_MANY_REDIRECTS' // followRedirects passed maxRedirects
  | 'ERR_DISCARDED' // the DiscardHook dropped the pair; `reason` says why
  | 'ERR_NOT_WRITTEN' // the exchange produced nothing to write (see `cause`)
  | 'ERR_CALLER_IDLE' // the response ended but the caller took none of the rest of the body for timeouts.idleRead
  | 'ERR_CONNECTION_CLOSED' // reset or closed by the peer before the response ended
  | 'ERR_RESPONSE_HEADERS_TIMEOUT' // timeouts.responseHeaders passed before the response head was complete
  | 'ERR_IDLE_READ_TIMEOUT' // timeouts.idleRead passed with no body byte
  | 'ERR_BAD_RESPONSE'; // the response is not valid HTTP/1.1 (when the capture has no more precise HttpParseError)

export class ClientError extends WarcwireError {
  declare readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** `written` rejects with this when the DiscardHook dropped the pair. */
export class DiscardedError extends ClientError {
  readonly reason: string;
  constructor(reason: string) {
    super('ERR_DISCARDED', `pair discarded by the DiscardHook: ${reason}`);
    this.reason = reason;
  }
}

/**
 * What the caller sees for a failure undici reports: a typed warcwire error
 * (the undici error as `cause`). warcwire errors and the caller's own abort
 * reasons pass through unchanged.
 */
export function callerError(err: Error): Error {
  if (err instanceof WarcwireError) return err;
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return new ClientError('ERR_CONNECTION_CLOSED', `the connection closed before the response ended (${err.message})`, { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new ClientError('ERR_RESPONSE_HEADERS_TIMEOUT', 'no complete response head within timeouts.responseHeaders', { cause: err });
    case 'UND_ERR_BODY_TIMEOUT':
      return new ClientError('ERR_IDLE_READ_TIMEOUT', 'no body byte within timeouts.idleRead', { cause: err });
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new ClientError('ERR_BAD_RESPONSE', err.message, { cause: err });
    default:
      if (typeof code === 'string' && code.startsWith('HPE_')) return new ClientError('ERR_BAD_RESPONSE', err.message, { cause: err });
      return err;
  }
}
