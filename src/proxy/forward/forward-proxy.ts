import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../../obs/logger';
import { ProxyServerError } from '../errors';
import { endWithStatus } from '../raw-response';
import { parseConnectAuthority } from '../request-target';
import { admit } from './admission';
import { BasicAuth } from './auth';
import { ClientSlots } from './client-slots';
import { answerClientErrors, innerHttpServer, routeFirstHead } from './front-door';
import { parseForwardProxyConfig, type ForwardProxyConfig, type ForwardProxyConfigInput } from './config';
import { HealthChecker } from './health-check';
import { statsToPrometheus } from './metrics-text';
import { forwardPlainRequest } from './plain-http';
import { ProxyStats, type StatsSnapshot } from './proxy-stats';
import { openRoute, RouteFailure, type RouteContext } from './route';
import { serveEndpoint } from './endpoints';
import { splice } from './tunnel';
import { UpstreamPool } from './upstream-pool';

export interface ForwardProxyOptions {
  logger?: Logger;
  /** Clock in epoch ms for uptime, the stats window and cooldowns. Default Date.now. */
  now?: () => number;
}

export type ReloadResult = { ok: true } | { ok: false; error: ProxyServerError };

export interface ForwardProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** The configuration in force. */
  readonly config: ForwardProxyConfig;
  /**
   * Swaps in a new configuration (parsed JSON or a checked config). Open
   * tunnels are untouched; new requests use the new users, upstreams and
   * limits. An invalid one is refused, logged, and the old one stays.
   */
  reload(input: unknown): ReloadResult;
  stats(): StatsSnapshot;
  metrics(): string;
  /** Stops listening and closes every connection, tunnels included. */
  close(): Promise<void>;
}

const ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');

const isChecked = (input: unknown): input is ForwardProxyConfig =>
  typeof input === 'object' && input !== null && typeof (input as ForwardProxyConfig).listen === 'object';

/**
 * Starts the forward proxy: CONNECT tunnels and absolute-form HTTP requests,
 * optional Basic auth, spread over upstream proxies by smooth weighted round
 * robin with tags, failover and passive (optionally active) health; stats as
 * JSON and Prometheus text on the same port.
 */
export async function createForwardProxy(
  input: ForwardProxyConfigInput | ForwardProxyConfig,
  options: ForwardProxyOptions = {},
): Promise<ForwardProxy> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  let config = isChecked(input) ? input : parseForwardProxyConfig(input);
  let auth = config.users ? new BasicAuth(config.users) : undefined;
  const pool = new UpstreamPool(config, now);
  const stats = new ProxyStats(now);
  const checker = new HealthChecker(pool, logger);
  const context = (): RouteContext => ({
    pool,
    stats,
    retries: config.retries,
    connectTimeoutMs: config.connectTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    upstreamTls: config.upstreamTls,
    logger,
  });
  /** Every client socket, refused ones too, so close() ends them all; ClientSlots counts the admitted ones. */
  const clients = new Set<Socket>();
  const slots = new ClientSlots(config, () => (stats.rejected.slow += 1));
  const routes = new Set<Socket>();

  // Connections land on a plain TCP server: CONNECT heads are read here, anything
  // else is handed, bytes and all, to an HTTP server that never listens itself.
  const front = net.createServer({ allowHalfOpen: true, noDelay: true });
  // Fixed at start for both paths (the HTTP server cannot change it later).
  const maxHeaderBytes = config.maxHeaderBytes;
  const server = innerHttpServer(maxHeaderBytes);
  server.timeout = config.idleTimeoutMs;
  server.keepAliveTimeout = Math.min(5000, config.idleTimeoutMs);

  const badHead = (): void => {
    stats.rejected.badRequest += 1;
  };
  front.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    if (!slots.accept(socket)) {
      stats.rejected.overload += 1;
      endWithStatus(socket, 503, {}, 'too many clients\n');
      return;
    }
    routeFirstHead(socket, server, maxHeaderBytes, handleConnect, badHead);
  });
  answerClientErrors(server, badHead);

  const refuse = (status: 400 | 407, message: string, send: (status: number, headers: Record<string, string>, body: string) => void): void => {
    if (status === 407) stats.rejected.auth += 1;
    else stats.rejected.badRequest += 1;
    send(status, status === 407 ? { 'Proxy-Authenticate': 'Basic realm="warcwire", charset="UTF-8"' } : {}, `${message}\n`);
  };

  const handleConnect = (authority: string | undefined, headers: IncomingHttpHeaders, client: Socket, head: Buffer): void => {
    const target = parseConnectAuthority(authority);
    const send = (status: number, extra: Record<string, string>, body: string): void => endWithStatus(client, status, extra, body);
    if (!target) return refuse(400, 'CONNECT needs host:port', send);
    const admission = admit(headers, auth, pool);
    if (!admission.ok) return refuse(admission.status, admission.message, send);
    slots.authenticated(client);
    const started = performance.now();
    openRoute(context(), target, admission.tag, client, true).then(
      (route) => {
        if (client.destroyed) return void route.socket.destroy();
        const scopes = [stats.overall, ...route.scopes];
        stats.overall.succeeded(performance.now() - started);
        for (const scope of scopes) scope.opened();
        routes.add(route.socket);
        client.write(ESTABLISHED);
        splice(client, route.socket, head, scopes, config.idleTimeoutMs, () => {
          routes.delete(route.socket);
          for (const scope of scopes) scope.closed();
        }, route.relay);
      },
      (error: unknown) => {
        if (error instanceof RouteFailure && error.aborted) return;
        stats.overall.failed();
        const status = error instanceof RouteFailure ? error.status : 502;
        logger.info({ target: `${target.host}:${target.port}`, status }, `proxy: ${error instanceof Error ? error.message : String(error)}`);
        endWithStatus(client, status, {}, status === 504 ? 'upstream timed out\n' : 'no route to the target\n');
      },
    );
  };

  // A CONNECT after plain requests on a kept-alive connection arrives here.
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    handleConnect(req.url, req.headers, client, head);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/')) {
      if (serveEndpoint(req, res, config, auth, { stats: api.stats, metrics: api.metrics })) slots.authenticated(req.socket);
      return;
    }
    const send = (status: number, headers: Record<string, string>, body: string): void => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(body);
    };
    const admission = admit(req.headers, auth, pool);
    if (!admission.ok) return refuse(admission.status, admission.message, send);
    slots.authenticated(req.socket);
    forwardPlainRequest(req, res, context(), stats.overall, admission.tag).catch((error: unknown) => {
      logger.error({ err: error }, 'proxy: request failed');
      res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(new ProxyServerError('ERR_PROXY_LISTEN', `cannot listen on ${config.listen.host}:${config.listen.port}: ${error.message}`, { cause: error }));
    front.once('error', onError);
    front.listen(config.listen.port, config.listen.host, () => {
      front.off('error', onError);
      resolve();
    });
  });
  front.on('error', (error) => logger.error({ err: error }, 'proxy: server error'));
  checker.start(config);
  const address = front.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info({ address: `${host}:${address.port}`, upstreams: config.upstreams.length, auth: Boolean(auth) }, 'proxy: listening');

  const api: ForwardProxy = {
    host: address.address,
    port: address.port,
    url: `http://${host}:${address.port}`,
    get config() {
      return config;
    },
    reload(next: unknown): ReloadResult {
      let parsed: ForwardProxyConfig;
      try {
        parsed = isChecked(next) ? next : parseForwardProxyConfig(next);
      } catch (error) {
        const failure =
          error instanceof ProxyServerError ? error : new ProxyServerError('ERR_PROXY_CONFIG', String(error), { cause: error });
        logger.warn({ field: failure.field }, `proxy: new configuration refused, keeping the old one: ${failure.message}`);
        return { ok: false, error: failure };
      }
      if (parsed.listen.host !== config.listen.host || parsed.listen.port !== config.listen.port) {
        logger.warn({}, 'proxy: listen address changes need a restart; still on the old one');
      }
      if (parsed.maxHeaderBytes !== maxHeaderBytes) logger.warn({}, 'proxy: maxHeaderBytes changes need a restart');
      config = parsed;
      auth = config.users ? new BasicAuth(config.users) : undefined;
      pool.configure(config);
      slots.configure(config);
      stats.retain(config.upstreams);
      server.timeout = config.idleTimeoutMs;
      server.keepAliveTimeout = Math.min(5000, config.idleTimeoutMs);
      checker.start(config);
      logger.info({ upstreams: config.upstreams.length, auth: Boolean(auth) }, 'proxy: configuration reloaded');
      return { ok: true };
    },
    stats: () => stats.snapshot(pool.upstreams, (u) => pool.health(u), slots.counts()),
    metrics: () => statsToPrometheus(api.stats()),
    close: () =>
      new Promise<void>((resolve) => {
        checker.stop();
        slots.close();
        server.close(() => undefined); // stops its timer; it has no socket of its own
        front.close(() => resolve());
        for (const socket of [...clients, ...routes]) socket.destroy();
      }),
  };
  return api;
}
