import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { loadCertificateAuthority, LeafIssuer, type CertificateAuthority } from '../certs';
import { DEFAULT_TIMEOUTS } from '../defaults';
import { silentLogger } from '../obs/logger';
import { BasicAuth } from '../proxy/forward/auth';
import { ClientSlots } from '../proxy/forward/client-slots';
import { answerClientErrors, innerHttpServer, routeFirstHead } from '../proxy/forward/front-door';
import { serveEndpoint } from '../proxy/forward/endpoints';
import { endWithStatus } from '../proxy/raw-response';
import { parseConnectAuthority } from '../proxy/request-target';
import { RecordingProxyError } from './errors';
import { interceptTunnel } from './intercept';
import { mergeMeta, parseMeta, type ExchangeMeta } from './meta';
import { recordingStatsToPrometheus } from './metrics-text';
import { PrefixClients } from './prefix-clients';
import type { RelayHooks } from './exchange-tally';
import { relayExchange } from './relay';
import { checkRecordingProxySettings, checkReload, type RecordingProxyLimits, type RecordingProxySettings } from './settings';
import { RecordingStats, type RecordingProxyStats } from './stats';
import { requestOrigin, type ExchangeTarget, type Tunnel } from './target';
import { relayUpgrade } from './websocket';

export type RecordingReloadResult = { ok: true } | { ok: false; error: RecordingProxyError };

export interface RecordingProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** The CA whose leaf certificates the browser is shown (trust its certPem or spkiSha256). */
  readonly ca: CertificateAuthority;
  readonly issuer: LeafIssuer;
  stats(): RecordingProxyStats;
  metrics(): string;
  /**
   * New users and limits for new connections and requests. The input is the whole of them, as
   * ForwardProxy.reload takes a whole config: `auth` left out turns auth off, a limit left out is
   * back to its default. An invalid input is refused and logged, and the old settings stay.
   */
  reload(input: { auth?: RecordingProxySettings['auth']; limits?: RecordingProxyLimits }): RecordingReloadResult;
  /** Stops listening, lets exchanges in flight finish (10 s at most), ends every connection and closes every WarcClient. */
  close(): Promise<void>;
}

const ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');
/** A target whose client is lent to one exchange (see PrefixClients.pick). */
type LeasedTarget = ExchangeTarget & { release(): void };

/** close() waits this long for exchanges in flight before it cuts them. */
const CLOSE_GRACE_MS = 10_000;
const PROXY_AUTHENTICATE = { 'Proxy-Authenticate': 'Basic realm="warcwire", charset="UTF-8"' };

type Refusal = { status: 400 | 407 | 421; message: string };

/**
 * Starts the recording proxy: a browser's CONNECT tunnels are intercepted
 * (TLS terminated with a leaf certificate from the CA) and its requests,
 * like absolute-form http:// ones, are sent upstream through a WarcClient,
 * which records every exchange. See src/record-proxy/README.md.
 */
export async function createRecordingProxy(settings: RecordingProxySettings): Promise<RecordingProxy> {
  let config = checkRecordingProxySettings(settings);
  const logger = settings.logger ?? silentLogger;
  const ca = await loadCertificateAuthority(settings.ca);
  const issuer = new LeafIssuer(ca, config.maxCachedLeaves === undefined ? {} : { maxCached: config.maxCachedLeaves });
  const clients = await PrefixClients.create(
    {
      ...settings.client,
      ...(settings.client.logger === undefined && settings.logger ? { logger: settings.logger } : {}),
      ...(settings.client.metrics === undefined && settings.metrics ? { metrics: settings.metrics } : {}),
    },
    config.maxWarcPrefixes,
  );
  let auth = config.front.users ? new BasicAuth(config.front.users) : undefined;
  const stats = new RecordingStats();
  const slots = new ClientSlots(config.front, () => (stats.rejected.slow += 1));
  /** Every browser socket, refused ones too, so close() ends them all. */
  const sockets = new Set<Socket>();
  /** The tunnel each intercepted socket (raw or TLS) leads into. */
  const tunnels = new WeakMap<Socket, Tunnel>();
  /** Exchanges not yet written (or known not to be). */
  const inFlight = new Set<Promise<void>>();
  let closing = false;


  const front = net.createServer({ allowHalfOpen: true, noDelay: true });
  const maxHeaderBytes = config.front.maxHeaderBytes;
  const server = innerHttpServer(maxHeaderBytes);
  const applyTimeouts = (): void => {
    server.timeout = config.front.idleTimeoutMs;
    server.keepAliveTimeout = Math.min(5000, config.front.idleTimeoutMs);
  };
  applyTimeouts();

  const badHead = (): void => {
    stats.rejected.badRequest += 1;
  };
  front.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    stats.connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (closing || !slots.accept(socket)) {
      stats.rejected.overload += 1;
      endWithStatus(socket, 503, {}, closing ? 'the proxy is shutting down\n' : 'too many clients\n');
      return;
    }
    routeFirstHead(socket, server, maxHeaderBytes, handleConnect, badHead);
  });
  answerClientErrors(server, badHead);

  /** Proxy auth for a request outside a tunnel (a tunnel was checked at its CONNECT). */
  const checkAuth = (headers: IncomingHttpHeaders): Refusal | undefined => {
    if (!auth) return undefined;
    const result = auth.check(headers['proxy-authorization']);
    return result.ok ? undefined : { status: 407, message: result.reason === 'missing' ? 'proxy credentials required' : 'wrong proxy credentials' };
  };
  const countRefusal = (refusal: Refusal): void => {
    if (refusal.status === 407) stats.rejected.auth += 1;
    else stats.rejected.badRequest += 1;
  };
  const refuseOnSocket = (socket: Socket, refusal: Refusal): void => {
    countRefusal(refusal);
    endWithStatus(socket, refusal.status, refusal.status === 407 ? PROXY_AUTHENTICATE : {}, `${refusal.message}\n`);
  };

  const handleConnect = (authority: string | undefined, headers: IncomingHttpHeaders, socket: Socket, rest: Buffer): void => {
    // A connection made before close() may still send its CONNECT: no new tunnel then.
    if (closing) return endWithStatus(socket, 503, {}, 'the proxy is shutting down\n');
    const target = parseConnectAuthority(authority);
    // Also a host URL takes (the tunnel's origin is one): else its requests would fail later, as the proxy's fault (500).
    if (!target || !URL.canParse(`http://${authority}`)) return refuseOnSocket(socket, { status: 400, message: 'CONNECT needs host:port (a valid host name or IP address)' });
    const denied = checkAuth(headers);
    if (denied) return refuseOnSocket(socket, denied);
    const meta = parseMeta(headers);
    if (!meta.ok) return refuseOnSocket(socket, { status: 400, message: meta.message });
    slots.authenticated(socket);
    stats.tunnels.opened += 1;
    stats.tunnels.open += 1;
    socket.once('close', () => (stats.tunnels.open -= 1));
    socket.write(ESTABLISHED);
    interceptTunnel(socket, rest, {
      host: target.host,
      certificates: issuer,
      // An idle timeout shorter than the handshake's applies to a silent tunnel too.
      handshakeTimeoutMs: Math.min(DEFAULT_TIMEOUTS.tlsHandshake, config.front.idleTimeoutMs),
      ready: (inner, scheme) => {
        if (scheme === 'https') stats.tunnels.tls += 1;
        tunnels.set(inner, { scheme, authority: authority!, host: target.host, meta: meta.meta });
        server.emit('connection', inner);
        inner.resume();
      },
      failed: (error) => {
        stats.tunnels.failedHandshakes += 1;
        logger.info({ target: authority }, `record-proxy: TLS handshake with the browser failed: ${error.message}`);
      },
    });
  };
  // A CONNECT after plain requests on a kept-alive connection arrives here.
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => handleConnect(req.url, req.headers, socket, head));

  /** Where a browser request goes, or why it may not: auth outside tunnels, the target, Warcwire-Meta, the prefix's writer. */
  const prepare = async (req: IncomingMessage): Promise<LeasedTarget | Refusal> => {
    const tunnel = tunnels.get(req.socket);
    if (!tunnel) {
      const denied = checkAuth(req.headers);
      if (denied) return denied;
    }
    const origin = requestOrigin(req, tunnel);
    if (!origin.ok) return { status: origin.status, message: origin.message };
    const parsed = parseMeta(req.headers);
    if (!parsed.ok) return { status: 400, message: parsed.message };
    const meta: ExchangeMeta = mergeMeta(tunnel?.meta ?? {}, parsed.meta);
    const pick = await clients.pick(meta.warcPrefix);
    if (!pick.ok) return { status: 400, message: pick.message };
    return { origin: origin.origin, path: origin.path, host: origin.host, hostFromOrigin: origin.hostFromOrigin, meta, client: pick.client, release: pick.release };
  };
  const isRefusal = (value: LeasedTarget | Refusal): value is Refusal => 'status' in value;
  /**
   * What a relay reports to: the stats scopes of its meta, and the in-flight set close() waits on.
   * `over` is called when the browser's side has closed; the target's client is released once
   * the exchange's write (tracked at dispatch, so before that) has settled too.
   */
  const exchangeHooks = (target: LeasedTarget): RelayHooks & { upgraded(): void; over(): void } => {
    const settling: Array<Promise<void>> = [];
    return {
      logger,
      ended: (end, bytes) => stats.exchangeEnded({ prefix: target.meta.warcPrefix ?? '', tags: target.meta.tags ?? [] }, end, bytes),
      track: (settled) => {
        settling.push(settled);
        inFlight.add(settled);
        void settled.finally(() => inFlight.delete(settled));
      },
      upgraded: () => (stats.websockets += 1),
      over: () => void Promise.allSettled(settling).then(target.release),
    };
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!tunnels.has(req.socket) && req.url?.startsWith('/')) {
      if (serveEndpoint(req, res, config.front, auth, { stats: api.stats, metrics: api.metrics })) slots.authenticated(req.socket);
      return;
    }
    if (closing) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('the proxy is shutting down\n');
      return;
    }
    prepare(req).then(
      (target) => {
        if (isRefusal(target)) {
          countRefusal(target);
          const extra = target.status === 407 ? PROXY_AUTHENTICATE : {};
          res.writeHead(target.status, { ...extra, 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`${target.message}\n`);
          return;
        }
        slots.authenticated(req.socket);
        const hooks = exchangeHooks(target);
        res.once('close', hooks.over);
        relayExchange(req, res, target, hooks);
      },
      (error: unknown) => {
        // E.g. the writer of a new warcPrefix could not be made (its directory): the proxy's fault, said so.
        logger.error({ err: error }, 'record-proxy: request failed');
        const text = `the recording proxy could not take this request: ${error instanceof Error ? error.message : String(error)}\n`;
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(text);
      },
    );
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (closing) return endWithStatus(socket, 503, {}, 'the proxy is shutting down\n');
    prepare(req).then(
      (target) => {
        if (isRefusal(target)) return refuseOnSocket(socket, target);
        slots.authenticated(socket);
        const hooks = exchangeHooks(target);
        socket.once('close', hooks.over);
        relayUpgrade(req, socket, head, target, hooks);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'record-proxy: upgrade failed');
        socket.destroy();
      },
    );
  });

  const listen = config.front.listen;
  try {
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(listen.port, listen.host, () => {
        front.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    server.close();
    await clients.close();
    throw new RecordingProxyError('ERR_PROXY_LISTEN', `cannot listen on ${listen.host}:${listen.port}: ${(error as Error).message}`, { cause: error });
  }
  front.on('error', (error) => logger.error({ err: error }, 'record-proxy: server error'));
  const address = front.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info({ address: `${host}:${address.port}`, auth: Boolean(auth), ca: ca.subject }, 'record-proxy: listening');

  let closed: Promise<void> | undefined;
  const api: RecordingProxy = {
    host: address.address,
    port: address.port,
    url: `http://${host}:${address.port}`,
    ca,
    issuer,
    stats: () => stats.snapshot(slots.counts(), issuer.issued),
    metrics: () => recordingStatsToPrometheus(api.stats()),
    reload(input): RecordingReloadResult {
      try {
        const front = checkReload(config, input);
        config = { ...config, front };
      } catch (error) {
        const failure = error instanceof RecordingProxyError ? error : new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', String(error), { cause: error });
        logger.warn({ field: failure.field }, `record-proxy: new settings refused, keeping the old ones: ${failure.message}`);
        return { ok: false, error: failure };
      }
      if (config.front.maxHeaderBytes !== maxHeaderBytes) logger.warn({}, 'record-proxy: maxHeaderBytes changes need a restart');
      auth = config.front.users ? new BasicAuth(config.front.users) : undefined;
      slots.configure(config.front);
      applyTimeouts();
      logger.info({ auth: Boolean(auth) }, 'record-proxy: settings reloaded');
      return { ok: true };
    },
    close: () =>
      (closed ??= (async () => {
        closing = true;
        slots.close();
        const stopped = new Promise<void>((resolve) => front.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
        await Promise.race([Promise.allSettled([...inFlight]), grace]);
        clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        await stopped;
        await Promise.allSettled([...inFlight]);
        server.close();
        await clients.close();
        logger.info({}, 'record-proxy: closed');
      })()),
  };
  return api;
}
