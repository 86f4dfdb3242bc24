import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE } from '../../obs/registry';
import type { BasicAuth } from './auth';

/**
 * Origin-form requests to the proxy itself: `GET <statsPath>` (JSON) and
 * `GET <metricsPath>` (Prometheus text). With auth on, either Authorization
 * (a browser or `curl -u`) or Proxy-Authorization must carry a valid user.
 * Returns whether the caller was served (so it counts as authenticated).
 */
export function serveEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  config: { readonly statsPath: string; readonly metricsPath: string },
  auth: BasicAuth | undefined,
  /** The stats as a JSON-serialisable snapshot, and the metrics as Prometheus text. */
  source: { stats: () => object; metrics: () => string },
): boolean {
  const path = (req.url ?? '').split('?')[0];
  const known = path === config.statsPath || path === config.metricsPath;
  if (!known) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return false;
  }
  if (auth && !auth.check(req.headers.authorization).ok && !auth.check(req.headers['proxy-authorization']).ok) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="warcwire", charset="UTF-8"', 'content-type': 'text/plain; charset=utf-8' });
    res.end('credentials required\n');
    return false;
  }
  const [type, body] =
    path === config.statsPath
      ? ['application/json; charset=utf-8', `${JSON.stringify(source.stats(), null, 2)}\n`]
      : [PROMETHEUS_CONTENT_TYPE, source.metrics()];
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
