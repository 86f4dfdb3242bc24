import { isIPv4 } from 'node:net';
import type { CaSource } from '../certs';
import type { WarcClientSettings } from '../client/settings';
import { DEFAULT_RECORDING_PROXY } from '../defaults';
import type { Logger } from '../obs/logger';
import type { MetricsRegistry } from '../obs/metrics';
import { ProxyServerError } from '../proxy/errors';
import { parseForwardProxyConfig, type ForwardProxyConfig } from '../proxy/forward/config';
import { RecordingProxyError } from './errors';

/** Limits on the browser side, with the forward proxy's meanings and defaults. */
export interface RecordingProxyLimits {
  /** Client connections beyond this are answered 503 and closed. Default 1024. */
  maxClients?: number;
  /** Connections without an accepted request head yet held at once. Default 256 (or maxClients when lower). */
  maxPendingClients?: number;
  /** A pending connection is answered 408 and closed after this long, ms. Default 5000. */
  pendingTimeoutMs?: number;
  /** A connection with no traffic either way for this long is closed, ms. Default 300000. */
  idleTimeoutMs?: number;
  /** Largest request head accepted (431 beyond). Fixed at start. Default 16384. */
  maxHeaderBytes?: number;
}

export interface RecordingProxySettings {
  /** `host:port`, `[v6]:port` or a bare port (binds 127.0.0.1). Default `127.0.0.1:8000`. */
  listen?: string;
  /** The capture: writer, digest, dedupe, dialer (upstream proxies), tls (upstream verification), timeouts. */
  client: WarcClientSettings;
  /** The CA that signs the certificates shown to the browser. */
  ca: CaSource;
  /** Basic proxy auth (407 without it); also guards the stats and metrics endpoints. */
  auth?: { users: Array<{ username: string; password: string }> };
  /** Allow a non-loopback listen address without auth (anyone who reaches the port can use it). */
  unsafeOpenRelay?: boolean;
  limits?: RecordingProxyLimits;
  /** Default `/stats`. */
  statsPath?: string;
  /** Default `/metrics`. */
  metricsPath?: string;
  /** Warcwire-Meta warcPrefix values with a writer open at once; past it a prefix no exchange is using is closed to make room (400 when all are in use). Default 32. */
  maxWarcPrefixes?: number;
  /**
   * Hosts whose leaf certificate (and TLS context) stays cached, least recently used dropped
   * first: one costs about 40 KB of memory, one new issuance about 2 ms. Default 10000.
   */
  maxCachedLeaves?: number;
  logger?: Logger;
  metrics?: MetricsRegistry;
}

/** What the browser side runs with: the forward proxy's checked config (listen, users, limits, paths) plus ours. */
export interface RecordingProxyConfig {
  front: ForwardProxyConfig;
  maxWarcPrefixes: number;
  /** Undefined: the LeafIssuer's default. */
  maxCachedLeaves: number | undefined;
  unsafeOpenRelay: boolean;
}

/** What reload() takes. */
const RELOAD_KEYS: readonly string[] = ['auth', 'limits'];
const LIMIT_KEYS = ['maxClients', 'maxPendingClients', 'pendingTimeoutMs', 'idleTimeoutMs', 'maxHeaderBytes'] as const;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/** The forward proxy's check of the fields both share, its errors renamed to ours (limits under `limits.`). */
function checkFront(input: { listen?: string; auth?: unknown; limits?: unknown; statsPath?: unknown; metricsPath?: unknown }): ForwardProxyConfig {
  if (input.limits !== undefined && (typeof input.limits !== 'object' || input.limits === null)) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', 'must be an object', { field: 'limits' });
  }
  const limits = (input.limits ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `unknown limit ${JSON.stringify(key)} (known: ${LIMIT_KEYS.join(', ')})`, { field: 'limits' });
    }
  }
  try {
    return parseForwardProxyConfig({
      listen: input.listen ?? DEFAULT_RECORDING_PROXY.listen,
      ...(input.auth !== undefined ? { auth: input.auth } : {}),
      ...(input.statsPath !== undefined ? { statsPath: input.statsPath } : {}),
      ...(input.metricsPath !== undefined ? { metricsPath: input.metricsPath } : {}),
      ...limits,
    } as Parameters<typeof parseForwardProxyConfig>[0]);
  } catch (error) {
    if (!(error instanceof ProxyServerError)) throw error;
    const field = error.field !== undefined && (LIMIT_KEYS as readonly string[]).includes(error.field) ? `limits.${error.field}` : error.field;
    const message = error.field !== undefined ? error.message.slice(error.field.length + 2) : error.message;
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', message, { ...(field !== undefined ? { field } : {}), cause: error });
  }
}

/** Every setting, so that a misspelt one (`Auth`) is refused rather than left out in silence. */
const SETTING_KEYS: Record<keyof RecordingProxySettings, true> = {
  listen: true,
  client: true,
  ca: true,
  auth: true,
  unsafeOpenRelay: true,
  limits: true,
  statsPath: true,
  metricsPath: true,
  maxWarcPrefixes: true,
  maxCachedLeaves: true,
  logger: true,
  metrics: true,
};

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;
const METRICS_METHODS = ['counter', 'gauge', 'histogram'] as const;

/** An optional object the proxy calls into (a Logger, a MetricsRegistry): refused now, not as a TypeError on first use. */
function checkMethods(value: unknown, field: string, methods: readonly string[]): void {
  if (value === undefined) return;
  const missing = methods.filter((m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function');
  if (typeof value === 'object' && value !== null && missing.length === 0) return;
  throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `must be an object with the methods ${methods.join(', ')}; missing ${missing.join(', ')}`, { field });
}

function positiveInteger(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `must be a positive integer, got ${JSON.stringify(value)}`, { field });
}

/**
 * Checks the settings (RecordingProxyError naming the field). A listen address
 * other than loopback without auth is refused (ERR_OPEN_RELAY) unless
 * `unsafeOpenRelay` says so: the proxy terminates TLS and would otherwise
 * fetch, and archive, anything for anyone who reaches its port.
 */
export function checkRecordingProxySettings(settings: RecordingProxySettings): RecordingProxyConfig {
  if (typeof settings !== 'object' || settings === null) throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', 'settings must be an object');
  const unknown = Object.keys(settings).find((key) => !Object.hasOwn(SETTING_KEYS, key));
  if (unknown !== undefined) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `unknown setting (known: ${Object.keys(SETTING_KEYS).join(', ')})`, { field: unknown });
  }
  if (typeof settings.client !== 'object' || settings.client === null) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', 'is required (the WarcClient settings: writer directory, dedupe, dialer...)', { field: 'client' });
  }
  if (typeof settings.ca !== 'object' || settings.ca === null) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', 'is required: { dir } or { certFile, keyFile }', { field: 'ca' });
  }
  if (settings.unsafeOpenRelay !== undefined && typeof settings.unsafeOpenRelay !== 'boolean') {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', 'must be true or false', { field: 'unsafeOpenRelay' });
  }
  checkMethods(settings.logger, 'logger', LOGGER_METHODS);
  checkMethods(settings.metrics, 'metrics', METRICS_METHODS);
  const maxWarcPrefixes = positiveInteger(settings.maxWarcPrefixes ?? DEFAULT_RECORDING_PROXY.maxWarcPrefixes, 'maxWarcPrefixes');
  const maxCachedLeaves = settings.maxCachedLeaves === undefined ? undefined : positiveInteger(settings.maxCachedLeaves, 'maxCachedLeaves');
  const front = checkFront(settings);
  refuseOpenRelay(front, settings.unsafeOpenRelay === true);
  return { front, maxWarcPrefixes, maxCachedLeaves, unsafeOpenRelay: settings.unsafeOpenRelay === true };
}

function refuseOpenRelay(front: ForwardProxyConfig, unsafeOpenRelay: boolean): void {
  if (front.users || isLoopback(front.listen.host) || unsafeOpenRelay) return;
  throw new RecordingProxyError(
    'ERR_OPEN_RELAY',
    `listening on ${front.listen.host} without auth would let anyone who reaches the port use this proxy to fetch any site through this machine ` +
      'and have it intercepted and archived; set auth, listen on 127.0.0.1, or set unsafeOpenRelay: true if that is really wanted',
    { field: 'listen' },
  );
}

/**
 * Checks a reload against the config in force. The input is the whole of the
 * reloadable settings, as ForwardProxy.reload takes a whole config: `auth` left
 * out means no auth, a limit left out its default. Listen and paths stay;
 * dropping auth may not open a relay. Input that is not such an object, or
 * has other keys (a typo would read as "no auth"), is refused.
 */
export function checkReload(current: RecordingProxyConfig, input: unknown): ForwardProxyConfig {
  // Anything else would read as "no auth": a garbage reload must not open the proxy.
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `reload takes an object { auth?, limits? }, got ${Array.isArray(input) ? 'an array' : JSON.stringify(input)}`);
  }
  const unknown = Object.keys(input).find((key) => !RELOAD_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `unknown reload setting ${JSON.stringify(unknown)} (known: ${RELOAD_KEYS.join(', ')})`, { field: unknown });
  }
  const { auth, limits } = input as { auth?: unknown; limits?: unknown };
  const { listen, statsPath, metricsPath } = current.front;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const front = checkFront({ listen: `${host}:${listen.port}`, auth, limits, statsPath, metricsPath });
  refuseOpenRelay(front, current.unsafeOpenRelay);
  return front;
}
