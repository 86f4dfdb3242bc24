import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Copies end-to-end headers only: hop-by-hop ones (RFC 9110 §7.6.1), those the
 * Connection header names, and any in `alsoDrop` (lower-case) stay behind.
 */
export function endToEndHeaders(headers: IncomingHttpHeaders, alsoDrop: readonly string[] = []): OutgoingHttpHeaders {
  const drop = new Set([...HOP_BY_HOP, ...alsoDrop]);
  const connection = headers.connection;
  if (typeof connection === 'string') {
    for (const token of connection.split(',')) drop.add(token.trim().toLowerCase());
  }
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !drop.has(name)) out[name] = value;
  }
  return out;
}
