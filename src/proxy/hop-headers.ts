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
  const drop = dropSet(headers.connection, alsoDrop);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !drop.has(name)) out[name] = value;
  }
  return out;
}

/** The hop-by-hop names, `alsoDrop`, and the names the Connection header lists (lower-case). */
function dropSet(connection: string | readonly string[] | undefined, alsoDrop: readonly string[]): Set<string> {
  const drop = new Set([...HOP_BY_HOP, ...alsoDrop]);
  for (const value of typeof connection === 'string' ? [connection] : (connection ?? [])) {
    for (const token of value.split(',')) drop.add(token.trim().toLowerCase());
  }
  return drop;
}

/**
 * endToEndHeaders over a raw name/value list (`req.rawHeaders`, undici's raw
 * headers): order, case and repeats of what is kept stay as they were.
 */
export function endToEndRawHeaders(raw: readonly string[], alsoDrop: readonly string[] = []): string[] {
  const connection: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'connection') connection.push(raw[i + 1]!);
  const drop = dropSet(connection, alsoDrop);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!drop.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}
