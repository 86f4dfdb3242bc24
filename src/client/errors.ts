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
  | 'ERR_BAD_RESPONSE' // the response is not valid HTTP/1.1 (when the capture has no more precise HttpParseError)
  | 'ERR_HTTP_MALFORMED_RESPONSE' // the peer does not speak HTTP/1.1 at all (e.g. an SSH or SMTP port)
  | 'ERR_TLS_HANDSHAKE' // TLS with the origin failed (plain-text port, bad certificate, protocol mismatch)
  | 'ERR_UNSUPPORTED_URL' // not an absolute http: or https: URL
  | 'ERR_OUTPUT_DIRECTORY' // settings.writer.directory cannot be created or is not a directory
  | 'ERR_ABORTED' // client.abort() or close({ graceMs }) cut the request short
  | 'ERR_INVALID_REQUEST' // undici refused the request as given (bad method, header or body)
  | 'ERR_CONTENT_DECODING' // the body does not decode as its Content-Encoding says (the record keeps the bytes as sent)
  | 'ERR_BODY_TOO_LARGE'; // bytes()/text()/json()/arrayBuffer(): the decoded body passed maxBufferedBodyBytes (a stream has no such bound)

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
 * `errorCodes` for undici's retry interceptor on `client.dispatcher`: undici's defaults plus
 * the codes warcwire reports the same failures under (a reset or closed connection, a refused
 * or unreachable dial, direct or through a proxy, an unknown name). undici matches `err.code`,
 * and warcwire's typed errors replace the socket's errno, so without these the interceptor
 * never retries a reset:
 * `client.dispatcher.compose(interceptors.retry({ errorCodes: [...RETRY_ERROR_CODES] }))`.
 */
export const RETRY_ERROR_CODES: readonly string[] = [
  // undici 7 and 8's defaults
  'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH', 'EPIPE', 'UND_ERR_SOCKET',
  // the same failures as warcwire reports them
  'ERR_CONNECTION_CLOSED', 'ERR_DIAL_FAILED', 'ERR_PROXY_REFUSED', 'ERR_PROXY_RESET', 'ERR_DNS_NXDOMAIN',
];

/** What a request cut short by client.abort() (or close() past its grace) fails with. */
export function shutDownError(cause?: Error): ClientError {
  return new ClientError('ERR_ABORTED', 'the request was cut short because the client shut down', cause === undefined ? undefined : { cause });
}

/**
 * What the caller sees for a failure undici reports: a typed warcwire error
 * (the undici error as `cause`). warcwire errors and the caller's own abort
 * reasons pass through unchanged.
 */
export function callerError(err: Error): Error {
  if (err instanceof WarcwireError) return oneLine(err);
  const code = (err as { code?: unknown }).code;
  if (err.name === 'HTTPParserError' && /Missing expected CR/.test(err.message)) {
    // An HTTP answer all the same (the capture accepts bare LF and records it): not a hint at a wrong port.
    return new ClientError('ERR_BAD_RESPONSE', `the response ends its lines with a bare LF, which undici does not accept (${oneLineText(err.message)})`, { cause: err });
  }
  if (err.name === 'HTTPParserError' && /does not match the HTTP\/1\.1 protocol/.test(err.message)) {
    return new ClientError('ERR_HTTP_MALFORMED_RESPONSE', `the server did not answer in HTTP/1.1 (${oneLineText(err.message)}); is this an HTTP port?`, { cause: err });
  }
  switch (code) {
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return new ClientError('ERR_CONNECTION_CLOSED', `the connection closed before the response ended (${err.message})`, { cause: err });
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return shutDownError(err);
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
      return new ClientError('ERR_INVALID_REQUEST', oneLineText(err.message), { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new ClientError('ERR_RESPONSE_HEADERS_TIMEOUT', 'no complete response head within timeouts.responseHeaders', { cause: err });
    case 'UND_ERR_BODY_TIMEOUT':
      return new ClientError('ERR_IDLE_READ_TIMEOUT', 'no body byte within timeouts.idleRead (the connection went silent)', { cause: err });
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new ClientError('ERR_BAD_RESPONSE', err.message, { cause: err });
    default:
      if (typeof code === 'string' && code.startsWith('HPE_')) return new ClientError('ERR_BAD_RESPONSE', oneLineText(err.message), { cause: err });
      if (err.name === 'HTTPParserError') return new ClientError('ERR_BAD_RESPONSE', oneLineText(err.message), { cause: err });
      return err;
  }
}

/** Collapses line breaks (OpenSSL's texts end in one) so that every error prints on one line. */
export function oneLineText(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Certificate problems that `tls.verify: false` lets through (Node's codes for them). */
export const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID/;

/**
 * A warcwire error as the caller should see it: on one line; a failed TLS
 * handshake becomes a ClientError ERR_TLS_HANDSHAKE, with a hint at
 * `tls.verify: false` when the certificate was the problem.
 */
function oneLine(err: WarcwireError): WarcwireError {
  if (err.code === 'ERR_TLS_HANDSHAKE' && !(err instanceof ClientError)) {
    const cause = (err as { cause?: unknown }).cause as { code?: unknown } | undefined;
    const certificate = typeof cause?.code === 'string' && CERT_CODES.test(cause.code);
    const hint = certificate ? ' (set tls.verify: false to archive a site with a broken certificate anyway)' : '';
    return new ClientError('ERR_TLS_HANDSHAKE', `${oneLineText(err.message)}${hint}`, { cause: err });
  }
  if (/[\r\n]/.test(err.message)) err.message = oneLineText(err.message);
  return err;
}

/**
 * What fetch() throws: the caller's own abort reason unchanged, anything
 * else as a one-line warcwire error.
 */
export function fetchError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && (err === signal.reason || (err as Error | null)?.name === 'AbortError')) return err;
  const mapped = callerError(err instanceof Error ? err : new Error(String(err)));
  if (mapped instanceof WarcwireError) return mapped;
  return new ClientError('ERR_INVALID_REQUEST', oneLineText(mapped.message), { cause: err });
}
