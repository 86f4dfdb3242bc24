/** Where a proxy request wants to go. */
export interface RequestTarget {
  host: string;
  port: number;
}

/**
 * The authority of a CONNECT request (`host:port`, `[v6]:port`), or undefined
 * when it is malformed. The port is mandatory, as RFC 9110 requires.
 */
export function parseConnectAuthority(authority: string | undefined): RequestTarget | undefined {
  if (!authority) return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

/**
 * An absolute-form `http://` request target, or undefined when the request
 * is not one (origin-form, other schemes, malformed, port 0: a client would
 * read it as port 80, as CONNECT refuses it).
 */
export function parseAbsoluteHttpUrl(target: string | undefined): URL | undefined {
  if (!target || !/^http:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return url.hostname && url.port !== '0' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Host without IPv6 brackets, port with the scheme default, as net.connect wants them. */
export function urlTarget(url: URL): RequestTarget {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port ? Number(url.port) : 80 };
}
