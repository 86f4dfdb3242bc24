import { HttpParseError } from '../http/errors';
import { DnsError, ProxyError } from '../net/errors';
import type { ErrorKind } from '../obs/metric-names';

/**
 * The `kind` label of `errors_total` for an error a request failed with.
 * Timeouts are one kind whatever the phase (DNS, dial, proxy, headers, body),
 * because a dashboard watching for a slow network wants them together.
 */
export function errorKind(err: unknown): ErrorKind {
  const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : '';
  if (code.includes('TIMEOUT') || code === 'ERR_CALLER_IDLE') return 'timeout';
  if (err instanceof DnsError) return 'dns';
  if (err instanceof ProxyError || code === 'ERR_NO_PROXY') return 'proxy';
  if (code === 'ERR_TLS_HANDSHAKE') return 'tls';
  if (code === 'ERR_DIAL_FAILED' || code === 'ERR_CONNECTION_CLOSED') return 'connect';
  if (err instanceof HttpParseError || code === 'ERR_BAD_RESPONSE' || code === 'ERR_HTTP_MALFORMED_RESPONSE' || code.startsWith('ERR_CAPTURE_')) return 'http';
  if (code === 'ERR_DISCARDED') return 'discard_hook';
  return 'other';
}
