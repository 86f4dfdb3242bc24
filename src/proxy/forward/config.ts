import fs from 'node:fs';
import { DEFAULT_COOLDOWN, DEFAULT_FORWARD_PROXY } from '../../defaults';
import { parseProxyUrl } from '../../net/proxy-connect';
import { ProxyServerError } from '../errors';
import { parseListenAddress, type ListenAddress } from '../listen-address';

/** The JSON configuration of the forward proxy, as written by an operator. */
export interface ForwardProxyConfigInput {
  /** `host:port`, `[v6]:port` or a bare port (binds 127.0.0.1). Default `127.0.0.1:8080`. */
  listen?: string;
  /** Omit for an open proxy. */
  auth?: { users: { username: string; password: string }[] };
  /** Omit or leave empty to connect to targets directly. */
  upstreams?: UpstreamInput[];
  /** Further upstreams tried after the first fails to open a tunnel. Default 2. */
  retries?: number;
  /** Default `/stats`. */
  statsPath?: string;
  /** Default `/metrics`. */
  metricsPath?: string;
  /** Budget to open a tunnel through one upstream (or directly), ms. Default 10000. */
  connectTimeoutMs?: number;
  /** A connection with no traffic either way for this long is closed, ms. Default 300000. */
  idleTimeoutMs?: number;
  /** Client connections beyond this are answered 503 and closed. Default 1024. */
  maxClients?: number;
  /**
   * Connections still pending (no accepted, authenticated request head yet) the
   * proxy holds at once, at most maxClients; one more sheds the oldest pending
   * connection. Default 256 (or maxClients when lower).
   */
  maxPendingClients?: number;
  /** A pending connection is answered 408 and closed after this long, ms. Default 5000. */
  pendingTimeoutMs?: number;
  /** Largest request head accepted (431 beyond). Fixed at start. Default 16384. */
  maxHeaderBytes?: number;
  health?: HealthInput;
  /** TLS to https:// upstreams: a PEM file of CAs to trust instead of Node's, and whether to verify (default true). */
  upstreamTls?: { caFile?: string; verify?: boolean };
}

export interface UpstreamInput {
  /** http, https, socks4, socks4a, socks5, socks5h URL, credentials allowed. */
  url: string;
  /** Default true. */
  enabled?: boolean;
  /** Share of tunnels relative to the others. Default 1. */
  weight?: number;
  /** Clients asking for this tag are served only by upstreams carrying it. */
  tag?: string;
  /** Free text for operators; shown in stats. */
  note?: string;
}

export interface HealthInput {
  /** Consecutive failures before an upstream rests. Default 3. */
  failureThreshold?: number;
  /** First rest, ms; doubles while the upstream keeps failing. Default 5000. */
  cooldownMs?: number;
  /** Longest rest, ms. Default 300000. */
  maxCooldownMs?: number;
  /** Optional active check: open a tunnel to `url` through every enabled upstream every `intervalMs`. */
  check?: { url: string; intervalMs?: number; timeoutMs?: number };
}

export interface Upstream {
  /** Identity across reloads: the full URL (with credentials) and the tag. Never shown. */
  readonly key: string;
  readonly url: URL;
  readonly enabled: boolean;
  readonly weight: number;
  readonly tag?: string;
  readonly note?: string;
}

export interface ForwardProxyConfig {
  listen: ListenAddress;
  users?: { username: string; password: string }[];
  upstreams: Upstream[];
  retries: number;
  statsPath: string;
  metricsPath: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxClients: number;
  maxPendingClients: number;
  pendingTimeoutMs: number;
  maxHeaderBytes: number;
  health: { failureThreshold: number; cooldownMs: number; maxCooldownMs: number; check?: { url: URL; intervalMs: number; timeoutMs: number } };
  upstreamTls: { ca?: string; rejectUnauthorized: boolean };
}

const TOP_KEYS = ['listen', 'auth', 'upstreams', 'retries', 'statsPath', 'metricsPath', 'connectTimeoutMs', 'idleTimeoutMs', 'maxClients', 'maxPendingClients', 'pendingTimeoutMs', 'maxHeaderBytes', 'health', 'upstreamTls'];
const UPSTREAM_KEYS = ['url', 'enabled', 'weight', 'tag', 'note'];
const HEALTH_KEYS = ['failureThreshold', 'cooldownMs', 'maxCooldownMs', 'check'];
/** Tags travel in a header and a username suffix: keep them to a safe alphabet. */
export const TAG_PATTERN = /^[A-Za-z0-9_.]+$/;

function fail(field: string, message: string): never {
  throw new ProxyServerError('ERR_PROXY_CONFIG', message, { field });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(prefix ? `${prefix}.${key}` : key, `unknown setting (allowed: ${allowed.join(', ')})`);
  }
}

function integer(value: unknown, field: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `must be an integer in ${min}–${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(field, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function path(value: unknown, field: string, fallback: string): string {
  const result = text(value, field) ?? fallback;
  if (!/^\/[!-~]*$/.test(result)) fail(field, `must be a path starting with /, got ${JSON.stringify(result)}`);
  return result;
}

function upstream(value: unknown, field: string): Upstream {
  if (typeof value === 'string') value = { url: value };
  if (!isObject(value)) fail(field, 'must be an object with a url');
  onlyKeys(value, UPSTREAM_KEYS, field);
  const raw = text(value.url, `${field}.url`);
  if (raw === undefined) fail(`${field}.url`, 'is required');
  let url: URL;
  try {
    url = parseProxyUrl(raw);
  } catch (error) {
    // The net layer's message never echoes the URL (it may hold a password).
    fail(`${field}.url`, error instanceof Error ? error.message : 'invalid proxy URL');
  }
  const weight = value.weight ?? DEFAULT_FORWARD_PROXY.upstream.weight;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) fail(`${field}.weight`, `must be a positive number, got ${JSON.stringify(weight)}`);
  const enabled = value.enabled ?? DEFAULT_FORWARD_PROXY.upstream.enabled;
  if (typeof enabled !== 'boolean') fail(`${field}.enabled`, `must be true or false, got ${JSON.stringify(enabled)}`);
  const tag = text(value.tag, `${field}.tag`);
  if (tag !== undefined && !TAG_PATTERN.test(tag)) fail(`${field}.tag`, `must match ${TAG_PATTERN.source}, got ${JSON.stringify(tag)}`);
  const note = text(value.note, `${field}.note`);
  return {
    key: `${url.href} ${tag ?? ''}`,
    url,
    enabled,
    weight,
    ...(tag !== undefined ? { tag } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

function users(value: unknown): { username: string; password: string }[] | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail('auth', 'must be an object with users');
  onlyKeys(value, ['users'], 'auth');
  if (!Array.isArray(value.users) || value.users.length === 0) fail('auth.users', 'must be a non-empty array (omit auth for an open proxy)');
  return value.users.map((user: unknown, i) => {
    const field = `auth.users[${i}]`;
    if (!isObject(user)) fail(field, 'must be an object with username and password');
    onlyKeys(user, ['username', 'password'], field);
    const username = text(user.username, `${field}.username`);
    const password = text(user.password, `${field}.password`);
    if (!username || username.includes(':')) fail(`${field}.username`, 'must be a non-empty string without ":"');
    if (password === undefined) fail(`${field}.password`, 'is required');
    return { username, password };
  });
}

function health(value: unknown): ForwardProxyConfig['health'] {
  if (value !== undefined && !isObject(value)) fail('health', 'must be an object');
  const input = (value ?? {}) as Record<string, unknown>;
  onlyKeys(input, HEALTH_KEYS, 'health');
  const cooldownMs = integer(input.cooldownMs, 'health.cooldownMs', DEFAULT_COOLDOWN.baseMs, 0);
  const result: ForwardProxyConfig['health'] = {
    failureThreshold: integer(input.failureThreshold, 'health.failureThreshold', DEFAULT_COOLDOWN.failureThreshold, 1),
    cooldownMs,
    maxCooldownMs: integer(input.maxCooldownMs, 'health.maxCooldownMs', Math.max(DEFAULT_COOLDOWN.maxMs, cooldownMs), cooldownMs),
  };
  if (input.check !== undefined) {
    if (!isObject(input.check)) fail('health.check', 'must be an object with a url');
    onlyKeys(input.check, ['url', 'intervalMs', 'timeoutMs'], 'health.check');
    const raw = text(input.check.url, 'health.check.url');
    let url: URL | undefined;
    try {
      url = raw === undefined ? undefined : new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) fail('health.check.url', 'must be an http:// or https:// URL');
    result.check = {
      url,
      intervalMs: integer(input.check.intervalMs, 'health.check.intervalMs', DEFAULT_FORWARD_PROXY.healthCheck.intervalMs, 100),
      timeoutMs: integer(input.check.timeoutMs, 'health.check.timeoutMs', DEFAULT_FORWARD_PROXY.healthCheck.timeoutMs, 1),
    };
  }
  return result;
}

function upstreamTls(value: unknown): ForwardProxyConfig['upstreamTls'] {
  if (value === undefined) return { rejectUnauthorized: true };
  if (!isObject(value)) fail('upstreamTls', 'must be an object');
  onlyKeys(value, ['caFile', 'verify'], 'upstreamTls');
  const verify = value.verify ?? true;
  if (typeof verify !== 'boolean') fail('upstreamTls.verify', `must be true or false, got ${JSON.stringify(verify)}`);
  const caFile = text(value.caFile, 'upstreamTls.caFile');
  if (caFile === undefined) return { rejectUnauthorized: verify };
  try {
    return { ca: fs.readFileSync(caFile, 'utf8'), rejectUnauthorized: verify };
  } catch (error) {
    fail('upstreamTls.caFile', `cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * Checks a parsed JSON configuration and fills in the defaults. Throws a
 * ProxyServerError (ERR_PROXY_CONFIG) whose `field` names the bad setting,
 * e.g. `upstreams[1].weight`. Messages never contain upstream credentials.
 */
export function parseForwardProxyConfig(input: unknown): ForwardProxyConfig {
  if (!isObject(input)) fail('(root)', 'the configuration must be a JSON object');
  onlyKeys(input, TOP_KEYS, '');
  const listenText = text(input.listen, 'listen') ?? DEFAULT_FORWARD_PROXY.listen;
  if (input.upstreams !== undefined && !Array.isArray(input.upstreams)) fail('upstreams', 'must be an array');
  const upstreams = ((input.upstreams as unknown[] | undefined) ?? []).map((u, i) => upstream(u, `upstreams[${i}]`));
  const seen = new Set<string>();
  upstreams.forEach((u, i) => {
    if (seen.has(u.key)) fail(`upstreams[${i}]`, 'duplicates an earlier upstream (same url and tag)');
    seen.add(u.key);
  });
  const statsPath = path(input.statsPath, 'statsPath', DEFAULT_FORWARD_PROXY.statsPath);
  const metricsPath = path(input.metricsPath, 'metricsPath', DEFAULT_FORWARD_PROXY.metricsPath);
  if (statsPath === metricsPath) fail('metricsPath', 'must differ from statsPath');
  const authUsers = users(input.auth);
  const maxClients = integer(input.maxClients, 'maxClients', DEFAULT_FORWARD_PROXY.maxClients, 1);
  const maxPendingClients = integer(input.maxPendingClients, 'maxPendingClients', Math.min(DEFAULT_FORWARD_PROXY.maxPendingClients, maxClients), 1);
  // A pending cap above maxClients could never bind.
  if (maxPendingClients > maxClients) fail('maxPendingClients', `must not exceed maxClients (${maxClients}), got ${maxPendingClients}`);
  return {
    listen: parseListenAddress(listenText, 'listen'),
    ...(authUsers ? { users: authUsers } : {}),
    upstreams,
    retries: integer(input.retries, 'retries', DEFAULT_FORWARD_PROXY.retries, 0, 100),
    statsPath,
    metricsPath,
    connectTimeoutMs: integer(input.connectTimeoutMs, 'connectTimeoutMs', DEFAULT_FORWARD_PROXY.connectTimeoutMs, 1),
    idleTimeoutMs: integer(input.idleTimeoutMs, 'idleTimeoutMs', DEFAULT_FORWARD_PROXY.idleTimeoutMs, 1),
    maxClients,
    maxPendingClients,
    pendingTimeoutMs: integer(input.pendingTimeoutMs, 'pendingTimeoutMs', DEFAULT_FORWARD_PROXY.pendingTimeoutMs, 1),
    maxHeaderBytes: integer(input.maxHeaderBytes, 'maxHeaderBytes', DEFAULT_FORWARD_PROXY.maxHeaderBytes, 1024, 1024 * 1024),
    health: health(input.health),
    upstreamTls: upstreamTls(input.upstreamTls),
  };
}
