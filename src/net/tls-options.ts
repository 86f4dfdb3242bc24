import * as net from 'node:net';
import type * as tls from 'node:tls';

/** TLS settings for connections to origins. */
export interface TlsOptions {
  /** Verify the origin's certificate chain and name. Default true. */
  verify?: boolean;
  /** Extra trusted CAs (PEM). Replaces Node's bundle, as `tls.connect({ ca })` does. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** OpenSSL cipher list (TLS 1.2 and below) / suites. */
  ciphers?: string;
  /** Signature algorithms, OpenSSL syntax. */
  sigalgs?: string;
  /** Key exchange groups, e.g. 'X25519:P-256'. */
  ecdhCurve?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** Handshake budget in ms. Default 10000. */
  handshakeTimeout?: number;
}

/**
 * The `tls.connect` options for one origin. ALPN offers only http/1.1 because
 * the capture layer parses HTTP/1.1; SNI is the host name, never an IP literal
 * (RFC 6066 forbids it).
 */
export function originTlsOptions(options: TlsOptions, hostname: string): tls.ConnectionOptions {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const result: tls.ConnectionOptions = {
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: options.verify ?? true,
    // With an existing socket `host` only names the peer for certificate checks (an IP SAN for IP literals).
    host,
  };
  if (net.isIP(host) === 0) result.servername = host;
  if (options.ca !== undefined) result.ca = options.ca;
  if (options.ciphers !== undefined) result.ciphers = options.ciphers;
  if (options.sigalgs !== undefined) result.sigalgs = options.sigalgs;
  if (options.ecdhCurve !== undefined) result.ecdhCurve = options.ecdhCurve;
  if (options.minVersion !== undefined) result.minVersion = options.minVersion;
  if (options.maxVersion !== undefined) result.maxVersion = options.maxVersion;
  return result;
}
