import type { Dispatcher } from 'undici';
import { flatHeaders } from './dispatch-headers';

function packageVersion(): string {
  try {
    // src/client and dist/client both sit two levels below package.json.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Sent when the caller gives none: names the tool and where to read about it,
 * as crawler etiquette asks, so a site operator can find who is fetching.
 */
export const DEFAULT_USER_AGENT = `warcwire/${packageVersion()} (+https://github.com/warcwire/warcwire)`;

type Headers = Dispatcher.DispatchOptions['headers'];

function hasUserAgent(headers: Headers): boolean {
  if (headers === undefined || headers === null) return false;
  if (Array.isArray(headers)) {
    // A flat [name, value, name, value…] list.
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'user-agent') return true;
    return false;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<[string, unknown]>) if (String(pair[0]).toLowerCase() === 'user-agent') return true;
    return false;
  }
  return Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent');
}

/** The request headers with `User-Agent: ua` added unless the caller set one. */
export function withUserAgent(headers: Headers, ua: string): Headers {
  if (hasUserAgent(headers)) return headers;
  if (headers === undefined || headers === null) return ['user-agent', ua];
  if (Array.isArray(headers)) return [...(headers as string[]), 'user-agent', ua];
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') return [...flatHeaders(headers), 'user-agent', ua];
  return { ...(headers as Record<string, string | string[] | undefined>), 'user-agent': ua } as Headers;
}
