import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SocksClient } from 'socks';
import { DnsError, NetError, ProxyError, type ProxyErrorCode } from './errors';
import { DEFAULT_PROXY_PORTS, redactProxyUrl } from './redact';

export type ProxyScheme = 'socks4' | 'socks4a' | 'socks5' | 'socks5h' | 'http' | 'https';

const SCHEMES: readonly ProxyScheme[] = ['socks4', 'socks4a', 'socks5', 'socks5h', 'http', 'https'];

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ProxyConnectOptions {
  /** Budget in ms for reaching the proxy and finishing its handshake. Default 30000. */
  timeout?: number;
  signal?: AbortSignal;
  /** Source address of the TCP connection to the proxy. */
  localAddress?: string;
  /**
   * Resolves the target for the local-DNS schemes (socks4, socks5) when it is
   * a name. The dialer passes its archiving resolver; default `dns.lookup`.
   */
  resolve?: (host: string, signal?: AbortSignal) => Promise<string>;
  /** TLS options for the connection to an https:// proxy (ca, rejectUnauthorized...). */
  proxyTls?: tls.ConnectionOptions;
}

/** The proxy's scheme, or a typed error for anything else. `socks:` means socks5. */
export function proxySchemeOf(proxy: URL): ProxyScheme {
  const scheme = proxy.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'socks') return 'socks5';
  if ((SCHEMES as readonly string[]).includes(scheme)) return scheme as ProxyScheme;
  throw new ProxyError('ERR_PROXY_UNSUPPORTED', redactProxyUrl(proxy), `unsupported proxy scheme "${scheme}:"`);
}

/** Schemes where the proxy resolves the target name (no local DNS, no DNS record). */
export function resolvesRemotely(scheme: ProxyScheme): boolean {
  return scheme !== 'socks4' && scheme !== 'socks5';
}

/**
 * Parses and checks a proxy URL. Errors never echo the input, which may hold
 * a password.
 */
export function parseProxyUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : new URL(url.href);
  } catch {
    throw new NetError('ERR_INVALID_OPTION', 'proxy URL is not a valid URL');
  }
  proxySchemeOf(parsed);
  if (!parsed.hostname) throw new NetError('ERR_INVALID_OPTION', `proxy URL ${redactProxyUrl(parsed)} has no host`);
  return parsed;
}

/**
 * Opens one tunnel to `target` through one proxy and returns the raw socket,
 * positioned at the first byte from the origin (for an https:// proxy it is
 * the TLS socket to the proxy). Failures are ProxyErrors whose messages name
 * the proxy as scheme://host:port only; nothing has reached the origin then.
 */
export async function connectViaProxy(
  proxy: URL,
  target: ProxyTarget,
  options: ProxyConnectOptions = {},
): Promise<net.Socket> {
  const scheme = proxySchemeOf(proxy);
  const label = redactProxyUrl(proxy);
  const deadline = new Deadline(label, options.timeout ?? 30_000, options.signal);
  let socket: net.Socket | undefined;
  try {
    let destination = target.host;
    if (!resolvesRemotely(scheme) && net.isIP(unbracket(destination)) === 0) {
      const resolve = options.resolve ?? lookupOne;
      destination = await deadline.race(resolve(destination, deadline.signal));
    }
    socket = await deadline.race(openToProxy(proxy, scheme, label, options));
    if (scheme === 'http' || scheme === 'https') {
      await deadline.race(httpConnect(socket, proxy, label, { host: destination, port: target.port }));
    } else {
      await deadline.race(socksConnect(socket, proxy, scheme, label, { host: unbracket(destination), port: target.port }, deadline.remaining()));
    }
    return socket;
  } catch (error) {
    socket?.destroy();
    throw deadline.translate(error);
  } finally {
    deadline.dispose();
  }
}

function openToProxy(proxy: URL, scheme: ProxyScheme, label: string, options: ProxyConnectOptions): Promise<net.Socket> {
  const host = unbracket(proxy.hostname);
  const port = proxy.port !== '' ? Number(proxy.port) : (DEFAULT_PROXY_PORTS[proxy.protocol.toLowerCase()] ?? 1080);
  // A proxy given by name is resolved by the system (getaddrinfo): it is not a crawl target, so not archived.
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const connectOptions = { host, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) };
    if (scheme === 'https') {
      socket = tls.connect({
        ...connectOptions,
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
        ...options.proxyTls,
      });
    } else {
      socket = net.connect(connectOptions);
    }
    const onError = (error: Error): void => {
      socket.destroy();
      reject(connectFailure(error, label, scheme === 'https'));
    };
    socket.once('error', onError);
    socket.once(scheme === 'https' ? 'secureConnect' : 'connect', () => {
      socket.removeListener('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

function connectFailure(error: Error, label: string, overTls: boolean): ProxyError {
  const errno = (error as NodeJS.ErrnoException).code ?? '';
  const cause = new Error(error.message);
  if (errno === 'ECONNRESET' || errno === 'EPIPE') return new ProxyError('ERR_PROXY_RESET', label, `proxy reset the connection (${errno})`, { cause });
  if (/^E[A-Z]+$/.test(errno) && !errno.startsWith('ERR_')) {
    return new ProxyError('ERR_PROXY_REFUSED', label, `cannot connect to proxy (${errno})`, { cause });
  }
  if (overTls) return new ProxyError('ERR_PROXY_TLS', label, `TLS to proxy failed: ${error.message}`, { cause });
  return new ProxyError('ERR_PROXY_REFUSED', label, `cannot connect to proxy: ${error.message}`, { cause });
}

async function socksConnect(
  socket: net.Socket,
  proxy: URL,
  scheme: ProxyScheme,
  label: string,
  destination: ProxyTarget,
  timeout: number,
): Promise<void> {
  const userId = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  try {
    await SocksClient.createConnection({
      command: 'connect',
      destination,
      existing_socket: socket,
      timeout: Math.max(1, timeout),
      proxy: {
        host: unbracket(proxy.hostname),
        port: Number(proxy.port || 1080),
        type: scheme === 'socks4' || scheme === 'socks4a' ? 4 : 5,
        ...(userId ? { userId } : {}),
        ...(password ? { password } : {}),
      },
    });
  } catch (error) {
    // SocksClientError carries the options (with the password): keep only its message.
    const message = error instanceof Error ? error.message : String(error);
    throw new ProxyError(socksCode(message), label, `SOCKS handshake failed: ${message}`, { cause: new Error(message) });
  }
}

function socksCode(message: string): ProxyErrorCode {
  if (/Authentication failed|no accepted authentication/i.test(message)) return 'ERR_PROXY_AUTH';
  if (/Socks4 Proxy rejected connection - \(RejectedIdent\)/.test(message)) return 'ERR_PROXY_AUTH';
  if (/rejected connection/i.test(message)) return 'ERR_PROXY_SOCKS_REJECTED';
  if (/timed out/i.test(message)) return 'ERR_PROXY_TIMEOUT';
  if (/Socket closed|ECONNRESET|EPIPE/i.test(message)) return 'ERR_PROXY_RESET';
  return 'ERR_PROXY_PROTOCOL';
}

const MAX_CONNECT_HEAD = 16 * 1024;

function httpConnect(socket: net.Socket, proxy: URL, label: string, destination: ProxyTarget): Promise<void> {
  const authority = `${net.isIPv6(unbracket(destination.host)) ? `[${unbracket(destination.host)}]` : destination.host}:${destination.port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.username || proxy.password) {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    head += `Proxy-Authorization: Basic ${Buffer.from(credentials, 'utf8').toString('base64')}\r\n`;
  }
  head += '\r\n';
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = (): void => {
      socket.removeListener('readable', onReadable);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    const fail = (error: ProxyError): void => {
      cleanup();
      reject(error);
    };
    const onError = (error: Error): void => fail(connectFailure(error, label, false));
    const onClose = (): void => fail(new ProxyError('ERR_PROXY_RESET', label, 'proxy closed the connection before answering CONNECT'));
    // 'readable' + read() rather than 'data': once the listener is gone the socket
    // is back in its initial mode, so whoever reads next gets every byte.
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffered.length > MAX_CONNECT_HEAD) return fail(new ProxyError('ERR_PROXY_PROTOCOL', label, 'CONNECT answer head too long'));
          continue;
        }
        cleanup();
        answered(buffered, end);
        return;
      }
    };
    const answered = (head: Buffer, end: number): void => {
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
      if (!match) {
        reject(new ProxyError('ERR_PROXY_PROTOCOL', label, 'malformed CONNECT answer'));
        return;
      }
      const status = Number(match[1]);
      if (status < 200 || status > 299) {
        // tinyproxy answers a failed Basic auth with 401; either way only the proxy can have said it.
        const code: ProxyErrorCode = status === 407 || status === 401 ? 'ERR_PROXY_AUTH' : 'ERR_PROXY_CONNECT_STATUS';
        // The reason phrase is the proxy's text, never ours: it cannot hold our credentials.
        reject(new ProxyError(code, label, `CONNECT refused with status ${status} ${match[2] ?? ''}`.trimEnd(), { statusCode: status }));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve();
    };
    socket.on('readable', onReadable);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(head);
  });
}

/** One overall deadline plus the caller's signal, for every await of a handshake. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly end: number;
  private readonly onCallerAbort = (): void => this.controller.abort();
  private timedOut = false;

  constructor(
    private readonly label: string,
    timeout: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    this.end = Date.now() + timeout;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeout);
    this.timer.unref?.();
    if (callerSignal?.aborted) this.controller.abort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remaining(): number {
    return this.end - Date.now();
  }

  race<T>(promise: Promise<T>): Promise<T> {
    if (this.controller.signal.aborted) {
      promise.then((value) => destroyIfSocket(value), () => undefined);
      return Promise.reject(this.abortError());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        promise.then((value) => destroyIfSocket(value), () => undefined);
        reject(this.abortError());
      };
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          this.controller.signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          this.controller.signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  translate(error: unknown): unknown {
    if (error instanceof NetError) return error;
    if (this.controller.signal.aborted) return this.abortError();
    const message = error instanceof Error ? error.message : String(error);
    return new ProxyError('ERR_PROXY_PROTOCOL', this.label, message);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private abortError(): ProxyError {
    return this.timedOut
      ? new ProxyError('ERR_PROXY_TIMEOUT', this.label, 'proxy handshake timed out')
      : new ProxyError('ERR_ABORTED', this.label, 'proxy connection aborted');
  }
}

function destroyIfSocket(value: unknown): void {
  if (value instanceof net.Socket) value.destroy();
}

/** Default local resolution for socks4/socks5 when the caller gives no resolver (not archived). */
function lookupOne(host: string): Promise<string> {
  return dns.promises.lookup(host).then(
    (result) => result.address,
    (error: NodeJS.ErrnoException) => {
      const code = error.code === 'ENOTFOUND' ? 'ERR_DNS_NXDOMAIN' : 'ERR_DNS_SERVFAIL';
      throw new DnsError(code, host, `cannot resolve ${host}: ${error.code ?? error.message}`);
    },
  );
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
