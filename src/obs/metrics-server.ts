/**
 * A tiny HTTP server answering `GET /metrics` with the registry in Prometheus text
 * format (what `warcwire capture --metrics-port N` starts). Anything else is 404/405.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsError } from './errors';
import { PROMETHEUS_CONTENT_TYPE, type ScrapableRegistry } from './registry';

export interface MetricsServer {
  /** The port actually bound (useful when 0 was asked for). */
  readonly port: number;
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  /** Interface to bind; loopback unless told otherwise. */
  host?: string;
}

export function createMetricsServer(registry: ScrapableRegistry, port: number, options: MetricsServerOptions = {}): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    Promise.resolve()
      .then(() => registry.toPrometheus())
      .then(
        (body) => {
          res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${String(err)}\n`);
        },
      );
  });
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5000;

  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void =>
      reject(new MetricsError('ERR_METRICS_LISTEN', `cannot serve /metrics on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const bound = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        port: bound,
        url: `http://${shownHost}:${bound}/metrics`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
