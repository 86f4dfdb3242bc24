import { WarcwireError } from '../errors';

/** Error codes of the network layer (dialing, proxies, DNS, source addresses). */
export type NetErrorCode =
  | 'ERR_INVALID_OPTION' // malformed proxy URL, bad weight, unknown scheme...
  | 'ERR_ABORTED' // the caller's AbortSignal fired
  | 'ERR_DIAL_TIMEOUT' // TCP connect did not complete in time
  | 'ERR_DIAL_FAILED' // every address of the target refused/failed
  | 'ERR_TLS_HANDSHAKE' // TLS with the origin failed (certificate, protocol, timeout)
  | 'ERR_NO_PROXY' // no eligible proxy and direct fallback disabled
  | 'ERR_DIALER_CLOSED'; // dial() after close()

export class NetError extends WarcwireError {
  declare readonly code: NetErrorCode | ProxyErrorCode | DnsErrorCode;

  constructor(code: NetErrorCode | ProxyErrorCode | DnsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Why a tunnel through a proxy could not be opened. Nothing reached the origin in any of these. */
export type ProxyErrorCode =
  | 'ERR_PROXY_REFUSED' // TCP connection to the proxy refused / unreachable
  | 'ERR_PROXY_RESET' // proxy closed or reset the connection during the handshake
  | 'ERR_PROXY_TIMEOUT' // proxy handshake did not finish in time
  | 'ERR_PROXY_AUTH' // proxy rejected the credentials (SOCKS auth failure, HTTP 407)
  | 'ERR_PROXY_CONNECT_STATUS' // HTTP CONNECT answered with a non-2xx status
  | 'ERR_PROXY_SOCKS_REJECTED' // SOCKS server refused the CONNECT request
  | 'ERR_PROXY_PROTOCOL' // malformed answer from the proxy
  | 'ERR_PROXY_TLS' // TLS to an https:// proxy failed
  | 'ERR_PROXY_UNSUPPORTED'; // unknown proxy scheme

export class ProxyError extends NetError {
  declare readonly code: ProxyErrorCode | 'ERR_ABORTED';
  /** The proxy as scheme://host:port, never with credentials. */
  readonly proxy: string;
  /** HTTP status of a refused CONNECT, when there was one. */
  readonly statusCode?: number;

  constructor(
    code: ProxyErrorCode | 'ERR_ABORTED',
    proxy: string,
    message: string,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(code, `${message} (proxy ${proxy})`, options);
    this.proxy = proxy;
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode;
  }
}

export type DnsErrorCode =
  | 'ERR_DNS_NXDOMAIN' // the name does not exist
  | 'ERR_DNS_SERVFAIL' // the server failed to answer
  | 'ERR_DNS_REFUSED' // the server refused (or another non-success rcode)
  | 'ERR_DNS_NO_ADDRESS' // the name exists but has no address of an allowed family
  | 'ERR_DNS_TIMEOUT' // no server answered in time
  | 'ERR_DNS_NO_SERVERS'; // nothing configured and nothing in /etc/resolv.conf

export class DnsError extends NetError {
  declare readonly code: DnsErrorCode | 'ERR_ABORTED';
  readonly host: string;
  /** The DNS response code when a server answered (NXDOMAIN, SERVFAIL...). */
  readonly rcode?: string;

  constructor(code: DnsErrorCode | 'ERR_ABORTED', host: string, message: string, options?: { cause?: unknown; rcode?: string }) {
    super(code, message, options);
    this.host = host;
    if (options?.rcode !== undefined) this.rcode = options.rcode;
  }
}
