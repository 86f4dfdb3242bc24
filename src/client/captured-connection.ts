import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Backend, DigestAlgorithm, SpoolOptions } from '../backend/types';
import { CaptureConnection } from '../capture/connection';
import type { ConnectionInfo } from '../capture/exchange';
import type { ExchangeOutcome } from '../capture/outcome';
import type { DialTarget, Dialer } from '../net/dialer';
import type { ClientObserver } from './client-observer';
import type { PendingWrite } from './pending-write';
import type { ConnectionControls } from './request-controls';
import type { ResolvedTimeouts } from './settings';

/** What every captured connection of one client shares: how to dial, capture and report. */
export interface CaptureCore {
  dialer: Dialer;
  backend: Backend;
  digestAlgorithm: DigestAlgorithm;
  spool: SpoolOptions;
  maxResponseBytes: number;
  timeouts: ResolvedTimeouts;
  /** Each captured exchange's outcome; the request's PendingWrite is its `exchange.caller`. */
  onOutcome(outcome: ExchangeOutcome<PendingWrite>): void;
  observer: ClientObserver;
}

/** One connection to open: where, by which route, and who owns the request written next on it. */
export interface CapturedConnectionRequest {
  target: DialTarget;
  /** Route, TLS verify and source address of this connection (the client's dial and TLS handshake budgets apply). */
  route: ConnectionControls;
  /** The PendingWrite of the request whose first byte goes out now (undefined: none known). */
  takeCaller(): PendingWrite | undefined;
  /** Stops the dial (its request was aborted). */
  signal?: AbortSignal;
}

export interface CapturedConnection {
  /** The plaintext side (a TLSSocket for https), already observed by `capture`. */
  socket: Socket;
  capture: CaptureConnection<PendingWrite>;
}

/**
 * Dials with the client's dialer, reports the connection, and attaches a
 * CaptureConnection to the plaintext side, so every exchange on it reaches the
 * client's recorder. The one place a client connection is made: the undici
 * dispatcher and the http(s) agents both open theirs here.
 */
export async function openCapturedConnection(core: CaptureCore, request: CapturedConnectionRequest): Promise<CapturedConnection> {
  const { protocol, hostname, port } = request.target;
  const observer = core.observer;
  let result: Awaited<ReturnType<Dialer['dial']>>;
  try {
    const route = request.route;
    result = await core.dialer.dial(request.target, {
      ...(route.proxy !== undefined ? { proxy: route.proxy } : {}),
      ...(route.proxyType !== undefined ? { proxyType: route.proxyType } : {}),
      ...(route.verify !== undefined ? { verify: route.verify } : {}),
      ...(route.localAddress !== undefined ? { localAddress: route.localAddress } : {}),
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
      timeout: core.timeouts.dial,
      tlsHandshakeTimeout: core.timeouts.tlsHandshake,
    });
  } catch (err) {
    // A dial stopped because its request was aborted did not fail (the request reports the abort).
    if (!request.signal?.aborted) observer.connectFailed(hostname, port, err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  const https = protocol === 'https:';
  // WARC-Cipher-Suite uses the IANA name (TLS_ECDHE_..._WITH_...), which OpenSSL's short name is not for TLS 1.2.
  const cipher = result.socket instanceof TLSSocket ? (result.socket.getCipher()?.standardName ?? result.cipher) : result.cipher;
  const facts = {
    ...(result.remoteAddress !== undefined ? { remoteAddress: result.remoteAddress } : {}),
    ...(result.tlsProtocol !== undefined ? { tlsProtocol: result.tlsProtocol } : {}),
    ...(cipher !== undefined ? { cipher } : {}),
  };
  observer.connected({ host: hostname, port, https, ...(result.proxy !== undefined ? { proxy: result.proxy } : {}), ...facts });
  const info: ConnectionInfo = {
    scheme: https ? 'https' : 'http',
    authority: port === (https ? 443 : 80) ? hostname : `${hostname}:${port}`,
    proxied: result.proxied,
    ...facts,
  };
  const capture = new CaptureConnection<PendingWrite>({
    backend: core.backend,
    digestAlgorithm: core.digestAlgorithm,
    spool: core.spool,
    maxResponseBytes: core.maxResponseBytes,
    // Each request may carry its own body cap (RequestControls.maxResponseBytes).
    maxResponseBytesOf: (pending) => pending.maxResponseBytes,
    info,
    takeCaller: () => {
      const pending = request.takeCaller();
      pending?.captured(info);
      return pending;
    },
    onExchangeStart: (ex) => observer.exchangeStarted(ex),
    onOutcome: (outcome) => core.onOutcome(outcome),
  });
  capture.attach(result.socket);
  return { socket: result.socket, capture };
}
