import { DEFAULT_LISTEN_HOST } from '../defaults';
import { ProxyServerError } from './errors';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port` or a bare `port`. A bare port binds to
 * 127.0.0.1: a proxy open to the network must be asked for explicitly.
 */
export function parseListenAddress(value: string, field = 'listen'): ListenAddress {
  const text = value.trim();
  let host: string = DEFAULT_LISTEN_HOST;
  let portText = text;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (text.includes(':')) {
    const at = text.lastIndexOf(':');
    host = text.slice(0, at);
    portText = text.slice(at + 1);
    if (host === '' || host.includes(':')) {
      throw new ProxyServerError('ERR_PROXY_CONFIG', `expected host:port, [ipv6]:port or port, got ${JSON.stringify(value)}`, { field });
    }
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new ProxyServerError('ERR_PROXY_CONFIG', `port must be 0-65535, got ${JSON.stringify(portText)}`, { field });
  }
  return { host, port: Number(portText) };
}
