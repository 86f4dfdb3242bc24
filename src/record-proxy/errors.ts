import { WarcwireError } from '../errors';

/** Error codes of the recording proxy. */
export type RecordingProxyErrorCode =
  | 'ERR_RECORD_PROXY_CONFIG' // a setting is missing or invalid; `field` names it
  | 'ERR_OPEN_RELAY' // a non-loopback listen address without auth, and unsafeOpenRelay not set
  | 'ERR_PROXY_LISTEN'; // the server could not bind its address

export class RecordingProxyError extends WarcwireError {
  declare readonly code: RecordingProxyErrorCode;
  /** Dotted path of the offending setting, e.g. `limits.maxClients`. */
  readonly field?: string;

  constructor(code: RecordingProxyErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(code, options?.field ? `${options.field}: ${message}` : message, options);
    if (options?.field !== undefined) this.field = options.field;
  }
}
