/** Default port of each proxy scheme, used when the URL leaves it out. */
export const DEFAULT_PROXY_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'socks:': 1080,
  'socks4:': 1080,
  'socks4a:': 1080,
  'socks5:': 1080,
  'socks5h:': 1080,
};

/**
 * A proxy URL as `scheme://host:port`: safe for logs, metric labels and error
 * messages. Credentials, path and query are dropped. An unparsable input never
 * echoes back (it may hold a password), it becomes `<invalid proxy url>`.
 */
export function redactProxyUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '<invalid proxy url>';
  }
  const scheme = parsed.protocol.toLowerCase();
  if (!parsed.hostname) return `${scheme}//<invalid proxy url>`;
  const port = parsed.port !== '' ? Number(parsed.port) : DEFAULT_PROXY_PORTS[scheme];
  // URL.hostname keeps the brackets of an IPv6 literal, which is what host:port needs.
  return port === undefined ? `${scheme}//${parsed.hostname}` : `${scheme}//${parsed.hostname}:${port}`;
}
