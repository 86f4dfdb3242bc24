import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { DEFAULT_FAULTY_PROXY, DEFAULT_LISTEN_HOST } from '../../defaults';
import { silentLogger } from '../../obs/logger';
import { ProxyServerError } from '../errors';
import { endToEndHeaders } from '../hop-headers';
import { endWithStatus } from '../raw-response';
import { parseAbsoluteHttpUrl, parseConnectAuthority, urlTarget, type RequestTarget } from '../request-target';
import { seededRandom } from '../seeded-random';
import { pipeWithFaults, type TripKind } from './fault-chain';
import { drawPlan, emptyFaultCounts, type FaultCounts, type FaultPlan } from './fault-plan';
import { normalizeFaults, type Fault, type FaultyProxyOptions } from './options';
import type { TripState } from './trip-stream';

export interface FaultyProxyCounters {
  /** CONNECT requests received. */
  connects: number;
  /** Plain-HTTP (absolute-form) requests received. */
  requests: number;
  /** Tunnels opened / responses forwarded (after the before-phase let them through). */
  forwarded: number;
  /** Faults carried out, by kind. */
  faults: FaultCounts;
}

export interface FaultyProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, usable as a proxy URL. */
  readonly url: string;
  readonly counters: FaultyProxyCounters;
  /** Stops listening and destroys every connection, including held ("timeout") ones. */
  close(): Promise<void>;
}

/**
 * Starts a CONNECT + plain-HTTP proxy that forwards to targets directly and
 * injects the configured faults (see FaultSpec). For tests and chaos drills.
 */
export async function createFaultyProxy(options: FaultyProxyOptions = {}): Promise<FaultyProxy> {
  const faults = normalizeFaults(options.faults);
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const logger = options.logger ?? silentLogger;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_FAULTY_PROXY.connectTimeoutMs;
  const counters: FaultyProxyCounters = { connects: 0, requests: 0, forwarded: 0, faults: emptyFaultCounts() };
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = http.createServer({ maxHeaderSize: 16 * 1024 });
  server.on('connection', track);
  server.on('clientError', (_error, socket) => endWithStatus(socket as Socket, 400));

  /** Runs the before phase; resolves true when the request may go on. */
  const before = async (plan: FaultPlan, socket: Socket, answer: (status: number) => void): Promise<boolean> => {
    for (const delay of plan.beforeDelays) {
      counters.faults.latency += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (socket.destroyed) return false;
    }
    const fault = plan.beforeTerminal;
    if (!fault) return true;
    counters.faults[fault.kind] += 1;
    logger.debug({ fault: fault.kind, phase: 'before' }, 'faulty proxy: injecting fault');
    switch (fault.kind) {
      case 'reset':
        socket.resetAndDestroy();
        break;
      case 'close':
        socket.end();
        socket.destroySoon();
        break;
      case 'timeout':
        break; // hold the connection, answer nothing
      case 'bad-gateway':
        answer(502);
        break;
      default:
        answer(500);
    }
    return false;
  };

  const dial = (target: RequestTarget): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port });
      track(socket);
      socket.setTimeout(connectTimeoutMs, () => socket.destroy(new Error('connect timeout')));
      socket.once('connect', () => {
        socket.setTimeout(0);
        resolve(socket);
      });
      socket.once('error', reject);
    });

  /** Carries out a fault that fired mid-stream. */
  const tripper = (client: Socket, upstream: () => Socket | undefined) => (kind: TripKind) => {
    counters.faults[kind] += 1;
    logger.debug({ fault: kind, phase: 'inside' }, 'faulty proxy: injecting fault');
    if (kind === 'reset') {
      client.resetAndDestroy();
      upstream()?.destroy();
    } else if (kind === 'close') {
      upstream()?.destroy();
      client.end();
      client.destroySoon();
    } else if (kind === 'limit-data') {
      upstream()?.destroy();
    }
    // timeout: the trip streams swallow everything from now on; sockets stay open.
  };

  const insideFaults = (plan: FaultPlan): Fault[] => {
    for (const fault of plan.inside) {
      if (!['reset', 'close', 'timeout', 'limit-data'].includes(fault.kind)) counters.faults[fault.kind] += 1;
    }
    return plan.inside;
  };

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    counters.connects += 1;
    client.on('error', () => client.destroy());
    const target = parseConnectAuthority(req.url);
    if (!target) return endWithStatus(client, 400);
    const plan = drawPlan(faults, random);
    void (async () => {
      if (!(await before(plan, client, (status) => endWithStatus(client, status)))) return;
      let upstream: Socket;
      try {
        upstream = await dial(target);
      } catch {
        return endWithStatus(client, 502);
      }
      if (client.destroyed) return upstream.destroy();
      counters.forwarded += 1;
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const trip: TripState = { bytes: 0, tripped: false };
      const inside = insideFaults(plan);
      const onTrip = tripper(client, () => upstream);
      const up = pipeWithFaults(client, upstream, 'up', inside, trip, onTrip, random);
      pipeWithFaults(upstream, client, 'down', inside, trip, onTrip, random);
      if (head.length > 0) up.first.write(head);
    })().catch((error: unknown) => {
      logger.warn({ err: error }, 'faulty proxy: tunnel failed');
      client.destroy();
    });
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    counters.requests += 1;
    const client = req.socket;
    const url = parseAbsoluteHttpUrl(req.url);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('absolute-form http:// URL expected\n');
      return;
    }
    const plan = drawPlan(faults, random);
    const answer = (status: number): void => {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`${status}\n`);
    };
    void (async () => {
      if (!(await before(plan, client, answer))) return;
      const target = urlTarget(url);
      const outbound = http.request({
        host: target.host,
        port: target.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: { ...endToEndHeaders(req.headers), host: url.host, connection: 'close' },
        agent: false,
        timeout: connectTimeoutMs,
      });
      outbound.on('socket', track);
      outbound.on('timeout', () => outbound.destroy(new Error('target timeout')));
      outbound.on('error', () => (res.headersSent ? client.destroy() : answer(502)));
      outbound.on('response', (inbound) => {
        counters.forwarded += 1;
        res.writeHead(inbound.statusCode ?? 502, { ...endToEndHeaders(inbound.headers), connection: 'close' });
        const trip: TripState = { bytes: 0, tripped: false };
        const onTrip = tripper(client, () => outbound.socket ?? undefined);
        pipeWithFaults(inbound, res, 'down', insideFaults(plan), trip, onTrip, random);
      });
      req.pipe(outbound);
    })().catch((error: unknown) => {
      logger.warn({ err: error }, 'faulty proxy: request failed');
      client.destroy();
    });
  });

  const host = options.host ?? DEFAULT_LISTEN_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new ProxyServerError('ERR_PROXY_LISTEN', `cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error })),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
