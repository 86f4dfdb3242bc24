/**
 * Every default a caller may leave out, in one place: the client settings, the
 * writer, the dialer, the CLI's options (and their --help text) and the proxies'
 * configuration read them here, so a documented default is the one applied.
 * Durations in ms, sizes in bytes.
 */
import type { DigestAlgorithm, DigestEncoding } from './digest/label';

export const DEFAULT_TIMEOUTS = {
  /** DNS + TCP (+ proxy handshake). */
  dial: 30_000,
  /** TLS handshake with the origin. */
  tlsHandshake: 10_000,
  /** From the request being sent until the response head is complete. */
  responseHeaders: 30_000,
  /** Longest silence while reading a body. */
  idleRead: 30_000,
  /** The whole request; 0 is none. */
  request: 0,
} as const;

export const DEFAULT_DIGEST_ALGORITHM: DigestAlgorithm = 'sha1';

/** sha1 labels default to base32 (the WARC convention), sha256 to base16. */
export function defaultDigestEncoding(algorithm: DigestAlgorithm): DigestEncoding {
  return algorithm === 'sha1' ? 'base32' : 'base16';
}

export const DEFAULT_WRITER = {
  prefix: 'WARC',
  compression: 'gzip',
  /** Rotate before a batch that would pass this size (10^9 bytes); 0 = never. */
  maxFileSize: 1_000_000_000,
  /** Files open at once. */
  writers: 1,
} as const;

/**
 * Spools (captured messages, caller backlogs): RAM kept per spool before it moves to a temp
 * file, and the RAM all spools of the process may hold together; an append that would pass
 * the budget moves its spool to disk instead. The addon's C++ (spool.cc) applies the same.
 * Records up to 8 MiB so stay in RAM from the socket to the compressor (whole, by libdeflate).
 */
export const DEFAULT_SPOOL = { memoryLimit: 8 * 1024 * 1024, ramBudget: 256 * 1024 * 1024 } as const;

/** Compression level of a gzip member or zstd frame (the addon's C++ applies the same). */
export const DEFAULT_LEVEL = { gzip: 6, zstd: 3 } as const;

export const DEFAULT_CLIENT = {
  /** Bytes of one response body recorded. */
  maxResponseBytes: 1024 ** 3,
  /** Bytes of one decoded body that a fetch() response's bytes()/text()/json()/arrayBuffer() gather. */
  maxBufferedBodyBytes: 1024 ** 3,
  maxRedirects: 20,
  followRedirects: false,
  decompressBody: true,
  archiveDns: true,
  connectionsPerOrigin: 32,
  keepAliveTimeout: 4000,
  /** A caller's abort after the response head closes the connection and records what arrived. */
  afterAbort: 'stop',
} as const;

export const DEFAULT_DIALER = {
  /** Further proxies tried when a proxy dial fails. */
  proxyRetries: 2,
} as const;

/** Passive health of pooled proxies (the dialer's and the forward proxy's upstreams). */
export const DEFAULT_COOLDOWN = {
  /** Consecutive failures before a proxy starts resting. */
  failureThreshold: 3,
  /** First rest; each further failure doubles it. */
  baseMs: 5000,
  /** Longest rest (also never less than baseMs in the forward proxy's configuration). */
  maxMs: 300_000,
} as const;

/** `warcwire capture` options beyond the client's own settings. */
export const DEFAULT_CAPTURE_CLI = {
  outputDirectory: '.',
  concurrency: 8,
  shutdownGraceSeconds: 10,
} as const;

/** Where the proxies bind when no host is given: one open to the network must be asked for explicitly. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** The recording proxy (createRecordingProxy, `warcwire record-proxy`); its limits are the forward proxy's. */
export const DEFAULT_RECORDING_PROXY = {
  listen: `${DEFAULT_LISTEN_HOST}:8000`,
  /** Distinct Warcwire-Meta warcPrefix values, one writer each. */
  maxWarcPrefixes: 32,
} as const;

/** The forward proxy's configuration file. */
export const DEFAULT_FORWARD_PROXY = {
  listen: `${DEFAULT_LISTEN_HOST}:8080`,
  retries: 2,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  maxClients: 1024,
  /** Also never more than maxClients. */
  maxPendingClients: 256,
  pendingTimeoutMs: 5000,
  maxHeaderBytes: 16 * 1024,
  statsPath: '/stats',
  metricsPath: '/metrics',
  upstream: { weight: 1, enabled: true },
  /** Beside DEFAULT_COOLDOWN, which gives failureThreshold, cooldownMs and maxCooldownMs. */
  healthCheck: { intervalMs: 30_000, timeoutMs: 5000 },
} as const;

/** The fault-injecting proxy. */
export const DEFAULT_FAULTY_PROXY = {
  /** `warcwire faulty-proxy --listen` (the library's port is 0: any free one). */
  cliListen: `${DEFAULT_LISTEN_HOST}:8081`,
  connectTimeoutMs: 10_000,
} as const;
