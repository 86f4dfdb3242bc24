import { errorKind } from '../client/error-kind';
import { callerError, oneLineText } from '../client/errors';
import type { Logger } from '../obs/logger';

export interface UpstreamFailure {
  /** 504 when the upstream side timed out, else 502. */
  status: 502 | 504;
  /** One line for the browser's body and the log: what failed, for which origin, and why. */
  text: string;
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/;

/** The innermost cause's code (Node's TLS and socket errors sit under warcwire's). */
function rootCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') code = e.code;
  }
  return code;
}

/** What the browser is told when its request failed before the origin answered. */
export function describeUpstreamFailure(error: Error, host: string): UpstreamFailure {
  const mapped = callerError(error);
  const kind = errorKind(mapped);
  const detail = oneLineText(mapped.message).replace(/ \(set tls\.verify: false[^)]*\)$/, '');
  const root = rootCode(mapped);
  if (kind === 'tls' && root !== undefined && CERT_CODES.test(root)) {
    const reason = oneLineText(deepestMessage(mapped));
    return { status: 502, text: `upstream certificate for ${host} failed verification: ${reason}` };
  }
  // A TLS handshake that ran out of time is a timeout too (its code names the phase, not the cause).
  if (kind === 'timeout' || (kind === 'tls' && root === 'ERR_TLS_HANDSHAKE' && /timed out/.test(detail))) return { status: 504, text: `upstream ${host} timed out: ${detail}` };
  return { status: 502, text: `upstream ${host} failed (${kind}): ${detail}` };
}

/** The innermost cause's message (Node's own words, e.g. "self-signed certificate"). Errors of Node's internals may be of another realm: no instanceof. */
function deepestMessage(error: Error): string {
  let message = error.message;
  for (let e = error.cause as { message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.message === 'string') message = e.message;
  }
  return message;
}

/** describeUpstreamFailure, logged once (the URL and status; never headers, so never credentials). */
export function reportUpstreamFailure(error: Error, target: { origin: string; path: string; host: string }, logger: Logger): UpstreamFailure {
  const failure = describeUpstreamFailure(error, target.host);
  logger.warn({ url: `${target.origin}${target.path}`, status: failure.status }, `record-proxy: ${failure.text}`);
  return failure;
}
