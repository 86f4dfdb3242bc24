import { errorKind } from '../client/error-kind';
import { callerError, CERT_CODES, oneLineText } from '../client/errors';
import type { Logger } from '../obs/logger';

export interface UpstreamFailure {
  /** 504 when the upstream side timed out, else 502. */
  status: 502 | 504;
  /** One line for the browser's body and the log: what failed, for which origin, and why. */
  text: string;
}

/**
 * The innermost code and message along the cause chain: Node's own TLS and
 * socket errors sit under warcwire's. They may be of another realm: no instanceof.
 */
function innermost(error: Error): { code?: string; message: string } {
  let code: string | undefined;
  let message = error.message;
  for (let e: { code?: unknown; message?: unknown; cause?: unknown } | undefined = error, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') code = e.code;
    if (typeof e.message === 'string') message = e.message;
  }
  return code === undefined ? { message } : { code, message };
}

/** What the browser is told when its request failed before the origin answered. */
export function describeUpstreamFailure(error: Error, host: string): UpstreamFailure {
  const mapped = callerError(error);
  const kind = errorKind(mapped);
  const detail = oneLineText(mapped.message).replace(/ \(set tls\.verify: false[^)]*\)$/, '');
  const root = innermost(mapped);
  if (kind === 'tls' && root.code !== undefined && CERT_CODES.test(root.code)) {
    return { status: 502, text: `upstream certificate for ${host} failed verification: ${oneLineText(root.message)}` };
  }
  // A TLS handshake that ran out of time is a timeout too (its code names the phase, not the cause).
  if (kind === 'timeout' || (kind === 'tls' && root.code === 'ERR_TLS_HANDSHAKE' && /timed out/.test(detail))) return { status: 504, text: `upstream ${host} timed out: ${detail}` };
  return { status: 502, text: `upstream ${host} failed (${kind}): ${detail}` };
}

/** describeUpstreamFailure, logged once (the URL and status; never headers, so never credentials). */
export function reportUpstreamFailure(error: Error, target: { origin: string; path: string; host: string }, logger: Logger): UpstreamFailure {
  const failure = describeUpstreamFailure(error, target.host);
  logger.warn({ url: `${target.origin}${target.path}`, status: failure.status }, `record-proxy: ${failure.text}`);
  return failure;
}
