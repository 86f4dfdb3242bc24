import { COMPRESSIONS, isCompression, type Backend, type DigestAlgorithm } from '../backend/types';
import { isDigestAlgorithm, isDigestEncoding } from '../digest/label';
import { DEFAULT_TIMEOUTS, DEFAULT_WRITER } from '../defaults';
import type { DedupeIndex } from '../dedupe/types';
import type { HeaderList } from '../http/head';
import type { DialerOptions } from '../net/dialer';
import type { TlsOptions } from '../net/tls-options';
import type { Logger } from '../obs/logger';
import type { MetricsRegistry } from '../obs/metrics';
import type { WarcWriterOptions } from '../warc/write/writer';
import { ClientError } from './errors';
import { AFTER_ABORT, type AfterAbort } from './request-controls';

/** What the DiscardHook sees: the final response head of a complete exchange. */
export interface DiscardHookInput {
  url: string;
  method: string;
  status: number;
  headers: HeaderList;
}

/** Return `{ discard: true, reason }` to drop the pair (not written; `written` rejects with ERR_DISCARDED). */
export type DiscardHook = (response: DiscardHookInput) => { discard: boolean; reason?: string };

export interface TimeoutSettings {
  /** DNS + TCP (+ proxy handshake), ms. Default 30000. */
  dial?: number;
  /** TLS handshake with the origin, ms. Default 10000. */
  tlsHandshake?: number;
  /** From the request being sent until the response head is complete, ms. Default 30000. */
  responseHeaders?: number;
  /** Longest silence while reading a body, ms. Default 30000. */
  idleRead?: number;
  /** The whole request, from dispatch to the end of the body, ms. Default 0 (none). */
  request?: number;
}

export interface WarcClientSettings {
  /** Where and how records are written (directory is required). */
  writer: Omit<WarcWriterOptions, 'digestAlgorithm' | 'backend'>;
  /** Default sha1 (base32); sha256 is written base16. */
  digestAlgorithm?: DigestAlgorithm;
  /** RAM kept per spooled message before it moves to a temp file. Default 8 MiB; all spools of the process hold at most 256 MiB of RAM together (DEFAULT_SPOOL). */
  spoolMemoryLimit?: number;
  spoolTempDir?: string;
  /** Spool to disk from the first byte. */
  fullOnDisk?: boolean;
  /**
   * Bytes of one response body recorded (and, with afterAbort 'finish', drained after a caller lets go); past
   * it, `WARC-Truncated: length`. Counts the body as sent (after the head; chunk
   * framing included), not the head, so a body of exactly this size is complete.
   * Default 1 GiB.
   */
  maxResponseBytes?: number;
  /**
   * What a caller's abort after the response head (signal, cancelled body) does to the
   * capture: 'stop' (default) closes the connection and records what arrived
   * (`WARC-Truncated: length`); 'finish' reads the response to its end for the archive.
   * Each request may choose otherwise (`afterAbort` in its controls).
   */
  afterAbort?: AfterAbort;
  timeouts?: TimeoutSettings;
  /**
   * User-Agent sent on requests that carry none (`fetch()`, `client.dispatcher` and the http(s) agents).
   * Default `warcwire/<version> (+https://github.com/warcwire/warcwire)`; `false` sends none.
   * A User-Agent in the request's own headers always wins.
   */
  userAgent?: string | false;
  /** Follow 301/302/303/307/308 in `fetch()`, recording every hop. Default false. */
  followRedirects?: boolean;
  /** Default 20. */
  maxRedirects?: number;
  /** `fetch()` bodies are decoded (gzip, deflate, br); the WARC keeps the raw bytes. Default true. */
  decompressBody?: boolean;
  /**
   * Bytes of a body, decoded, that a `fetch()` response's bytes(), text(), json() and arrayBuffer()
   * gather; past it they reject with `ERR_BODY_TOO_LARGE` (a gzip bomb of a few MB decodes to
   * gigabytes). Its streams (`nodeStream()`, `body`) have no such bound. Default 1 GiB.
   */
  maxBufferedBodyBytes?: number;
  discardHook?: DiscardHook;
  /**
   * Deduplication (`createDedupeIndex()` from the dedupe module): a complete response whose
   * payload is already archived is written as a revisit. The client does not close it.
   */
  dedupe?: DedupeIndex;
  /**
   * TLS to origins. Verified by default (`verify: false` archives broken-cert sites);
   * ALPN offers only `http/1.1`; SNI is the host name (never an IP literal).
   * Fingerprint knobs Node passes to OpenSSL: `ciphers` (TLS 1.2 list and TLS 1.3
   * suites), `sigalgs`, `ecdhCurve` (groups, in order), `minVersion`/`maxVersion`.
   * Node cannot control: GREASE values, the order and set of ClientHello
   * extensions, padding, key-share selection beyond the group list, or certificate
   * compression — so a browser's JA3/JA4 fingerprint cannot be reproduced exactly.
   */
  tls?: TlsOptions;
  /**
   * Write every DNS resolution that went to the network as a WARC `resource` record
   * (`dns:<host>`, `text/dns`). Default true. `dialer.onDnsRecord`, if given, is called too.
   */
  archiveDns?: boolean;
  /** Proxies, DNS and source-address options of the dialer (TLS and timeouts come from the fields above). */
  dialer?: Omit<DialerOptions, 'tls' | 'connectTimeout' | 'logger' | 'metrics'>;
  /** Connections kept per origin. Default 32. */
  connectionsPerOrigin?: number;
  /** Idle keep-alive connections are closed after this many ms. Default 4000. */
  keepAliveTimeout?: number;
  /** The hot-path backend; default `loadBackend()` (native when it loads, WARCWIRE_BACKEND forces one). */
  backend?: Backend;
  logger?: Logger;
  metrics?: MetricsRegistry;
}

export interface ResolvedTimeouts {
  dial: number;
  tlsHandshake: number;
  responseHeaders: number;
  idleRead: number;
  request: number;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ClientError('ERR_INVALID_SETTING', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

const TIMEOUT_NAMES: ReadonlyArray<keyof TimeoutSettings> = ['dial', 'tlsHandshake', 'responseHeaders', 'idleRead', 'request'];

/** A typo (`timeouts: { read }`) must fail loudly: it would otherwise leave the default in force unnoticed. */
function checkTimeoutNames(t: unknown): void {
  if (t === undefined) return;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new ClientError('ERR_INVALID_SETTING', `timeouts must be an object, got ${JSON.stringify(t)}`);
  for (const name of Object.keys(t)) {
    if (!(TIMEOUT_NAMES as readonly string[]).includes(name)) {
      throw new ClientError('ERR_INVALID_SETTING', `timeouts has no setting ${JSON.stringify(name)} (known: ${TIMEOUT_NAMES.join(', ')})`);
    }
  }
}

export function resolveTimeouts(t: TimeoutSettings | undefined): ResolvedTimeouts {
  checkTimeoutNames(t);
  return {
    dial: positive('timeouts.dial', t?.dial, DEFAULT_TIMEOUTS.dial),
    tlsHandshake: positive('timeouts.tlsHandshake', t?.tlsHandshake, DEFAULT_TIMEOUTS.tlsHandshake),
    responseHeaders: positive('timeouts.responseHeaders', t?.responseHeaders, DEFAULT_TIMEOUTS.responseHeaders),
    idleRead: positive('timeouts.idleRead', t?.idleRead, DEFAULT_TIMEOUTS.idleRead),
    request: positive('timeouts.request', t?.request, DEFAULT_TIMEOUTS.request, true),
  };
}

function checkWriter(w: WarcClientSettings['writer']): void {
  if (w.directory === '') throw new ClientError('ERR_INVALID_SETTING', 'writer.directory must not be empty');
  if (w.compression !== undefined && !isCompression(w.compression)) {
    throw new ClientError('ERR_INVALID_SETTING', `writer.compression must be one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(w.compression)}`);
  }
  if (w.prefix !== undefined && (typeof w.prefix !== 'string' || w.prefix === '' || /[/\\]/.test(w.prefix))) {
    throw new ClientError('ERR_INVALID_SETTING', `writer.prefix must be a non-empty file name part without slashes, got ${JSON.stringify(w.prefix)}`);
  }
  if (w.level !== undefined) {
    const [lo, hi] = w.compression === 'zstd' ? [1, 22] : [0, 9];
    if (!Number.isInteger(w.level) || w.level < lo || w.level > hi) {
      throw new ClientError('ERR_INVALID_SETTING', `writer.level must be an integer ${lo}-${hi} for ${w.compression ?? DEFAULT_WRITER.compression}, got ${String(w.level)}`);
    }
  }
  positive('writer.maxFileSize', w.maxFileSize, 0, true);
  if (w.writers !== undefined && !(Number.isInteger(w.writers) && w.writers >= 1)) {
    throw new ClientError('ERR_INVALID_SETTING', `writer.writers must be a positive integer, got ${String(w.writers)}`);
  }
  if (w.digestEncoding !== undefined && !isDigestEncoding(w.digestEncoding)) {
    throw new ClientError('ERR_INVALID_SETTING', `writer.digestEncoding must be 'base32' or 'base16', got ${JSON.stringify(w.digestEncoding)}`);
  }
}

export function checkSettings(s: WarcClientSettings): void {
  if (s === null || typeof s !== 'object' || typeof s.writer?.directory !== 'string') {
    throw new ClientError('ERR_INVALID_SETTING', 'settings.writer.directory (a string) is required');
  }
  checkWriter(s.writer);
  if (s.userAgent !== undefined && s.userAgent !== false && (typeof s.userAgent !== 'string' || /[\r\n]/.test(s.userAgent))) {
    throw new ClientError('ERR_INVALID_SETTING', 'userAgent must be a single-line string or false');
  }
  if (s.digestAlgorithm !== undefined && !isDigestAlgorithm(s.digestAlgorithm)) {
    throw new ClientError('ERR_INVALID_SETTING', `digestAlgorithm must be 'sha1' or 'sha256', got ${JSON.stringify(s.digestAlgorithm)}`);
  }
  positive('spoolMemoryLimit', s.spoolMemoryLimit, 1, true);
  positive('maxResponseBytes', s.maxResponseBytes, 1);
  positive('maxBufferedBodyBytes', s.maxBufferedBodyBytes, 1);
  positive('maxRedirects', s.maxRedirects, 1, true);
  positive('connectionsPerOrigin', s.connectionsPerOrigin, 1);
  positive('keepAliveTimeout', s.keepAliveTimeout, 1);
  if (s.afterAbort !== undefined && !AFTER_ABORT.includes(s.afterAbort)) {
    throw new ClientError('ERR_INVALID_SETTING', `afterAbort must be 'stop' or 'finish', got ${JSON.stringify(s.afterAbort)}`);
  }
  if (s.discardHook !== undefined && typeof s.discardHook !== 'function') {
    throw new ClientError('ERR_INVALID_SETTING', 'discardHook must be a function');
  }
  resolveTimeouts(s.timeouts);
}
