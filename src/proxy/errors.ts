import { WarcwireError } from '../errors';

/** Error codes of the proxy servers (forward proxy and faulty proxy). */
export type ProxyServerErrorCode =
  | 'ERR_PROXY_CONFIG' // a configuration value is missing or invalid; `field` names it
  | 'ERR_FAULT_OPTIONS' // a faulty-proxy option is invalid; `field` names it
  | 'ERR_PROXY_LISTEN'; // the server could not bind its address

export class ProxyServerError extends WarcwireError {
  declare readonly code: ProxyServerErrorCode;
  /** Dotted path of the offending setting, e.g. `upstreams[2].weight`. */
  readonly field?: string;

  constructor(code: ProxyServerErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(code, options?.field ? `${options.field}: ${message}` : message, options);
    if (options?.field !== undefined) this.field = options.field;
  }
}
