import { WarcwireError } from '../errors';

export type ClientErrorCode =
  | 'ERR_INVALID_SETTING' // a WarcClient setting is out of range or of the wrong type
  | 'ERR_CLIENT_CLOSED' // fetch()/dispatch after close()
  | 'ERR_REQUEST_TIMEOUT' // the whole-request timeout fired (record, if any, truncated with `time`)
  | 'ERR_TOO_MANY_REDIRECTS' // followRedirects passed maxRedirects
  | 'ERR_DISCARDED' // the DiscardHook dropped the pair; `reason` says why
  | 'ERR_NOT_WRITTEN' // the exchange produced nothing to write (see `cause`)
  | 'ERR_CALLER_IDLE'; // the response ended but the caller took none of the rest of the body for timeouts.idleRead

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
