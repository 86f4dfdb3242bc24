import type { Dispatcher } from 'undici';
import { endToEndRawHeaders } from '../proxy/hop-headers';
import { META_HEADER } from './meta';

/** Besides hop-by-hop ones: Expect (undici frames the request and refuses it; Node answered the browser's 100-continue) and ours. */
const REQUEST_DROP = ['expect', META_HEADER];

/**
 * The browser's request headers, in order, as they go upstream: end-to-end ones only, no Proxy-*, no Warcwire-Meta;
 * without Host when `dropHost` (undici then writes the origin's).
 */
export function upstreamRequestHeaders(raw: readonly string[], dropHost: boolean): string[] {
  const kept = endToEndRawHeaders(raw, dropHost ? [...REQUEST_DROP, 'host'] : REQUEST_DROP);
  const out: string[] = [];
  for (let i = 0; i + 1 < kept.length; i += 2) {
    if (!kept[i]!.toLowerCase().startsWith('proxy-')) out.push(kept[i]!, kept[i + 1]!);
  }
  return out;
}

/** undici's raw response headers as latin1 strings (names and values alternate). */
export function rawHeaderStrings(raw: Dispatcher.DispatchController['rawHeaders']): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((v: Buffer | string) => (typeof v === 'string' ? v : v.toString('latin1')));
}
