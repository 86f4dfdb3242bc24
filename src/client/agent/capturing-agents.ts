import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WrittenExchange } from '../pending-write';
import type { AgentCapture } from './agent-capture';
import type { AgentPoolOptions } from './agent-options';

/** node's Agent.addRequest, which its typings leave out. */
type AddRequest = (this: http.Agent, req: http.ClientRequest, options: http.ClientRequestArgs, ...legacy: unknown[]) => void;
/** node calls it with the socket, or with only the error. */
type ConnectCallback = (err: Error | null, stream?: Duplex) => void;
/** node's Agent.keepSocketAlive, which returns whether the socket may be kept (its typings say void). */
type KeepSocketAlive = (this: http.Agent, socket: Duplex) => boolean;

/**
 * A kept-alive socket closes after `idleMs` unused: node's Agent keeps an idle socket
 * until the server closes it unless its `timeout` is set, and a crawler meets any number
 * of origins. node's own agent destroys a free socket on its timeout; a shorter one node
 * chose (the `timeout` option, the server's Keep-Alive hint) stays.
 */
function keepIdleFor(agent: http.Agent, base: http.Agent, socket: Duplex, idleMs: number): boolean {
  const kept = (base.keepSocketAlive as unknown as KeepSocketAlive).call(agent, socket);
  const s = socket as Socket;
  if (kept && !(s.timeout !== undefined && s.timeout > 0 && s.timeout <= idleMs)) s.setTimeout(idleMs);
  return kept;
}

/** Back in use: the socket's timeout is the agent's again, as node sets it on a new socket (a request's own comes after). */
function reuse(agent: http.Agent, base: http.Agent, socket: Duplex, req: http.ClientRequest): void {
  base.reuseSocket.call(agent, socket, req);
  (socket as Socket).setTimeout((agent as unknown as { options: { timeout?: number } }).options.timeout ?? 0);
}

/**
 * An http.Agent whose connections come from warcwire's dialer and are
 * captured: every request through it is written as a response/request pair.
 * Get one from `client.httpAgent` or `client.agents(options).http`.
 */
export class CapturingHttpAgent extends http.Agent {
  readonly #capture: AgentCapture;

  /** Idle kept-alive sockets close after this many ms (the client's keepAliveTimeout). */
  readonly #idleMs: number;

  constructor(capture: AgentCapture, pool: AgentPoolOptions, idleMs: number) {
    super({ keepAlive: true, ...pool });
    this.#capture = capture;
    this.#idleMs = idleMs;
  }

  /** Where the exchange of `req` landed (resolves and rejects as fetch()'s `written`). */
  written(req: http.ClientRequest): Promise<WrittenExchange> {
    return this.#capture.written(req);
  }

  override getName(options: http.ClientRequestArgs = {}): string {
    return this.#capture.name(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.#capture.connect(this, options, callback as ConnectCallback);
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): void {
    return keepIdleFor(this, http.Agent.prototype, socket, this.#idleMs) as unknown as void;
  }

  override reuseSocket(socket: Duplex, req: http.ClientRequest): void {
    reuse(this, http.Agent.prototype, socket, req);
  }

  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs, ...legacy: unknown[]): void {
    if (!this.#capture.adopt(req)) return;
    (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options, ...legacy);
  }
}

/** The https twin of CapturingHttpAgent: TLS is the dialer's (client `tls` settings, per-request verify). */
export class CapturingHttpsAgent extends https.Agent {
  readonly #capture: AgentCapture;

  /** Idle kept-alive sockets close after this many ms (the client's keepAliveTimeout). */
  readonly #idleMs: number;

  constructor(capture: AgentCapture, pool: AgentPoolOptions, idleMs: number) {
    super({ keepAlive: true, ...pool });
    this.#capture = capture;
    this.#idleMs = idleMs;
  }

  /** Where the exchange of `req` landed (resolves and rejects as fetch()'s `written`). */
  written(req: http.ClientRequest): Promise<WrittenExchange> {
    return this.#capture.written(req);
  }

  override getName(options: https.RequestOptions = {}): string {
    return this.#capture.name(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.#capture.connect(this, options, callback as ConnectCallback);
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): void {
    return keepIdleFor(this, https.Agent.prototype, socket, this.#idleMs) as unknown as void;
  }

  override reuseSocket(socket: Duplex, req: http.ClientRequest): void {
    reuse(this, https.Agent.prototype, socket, req);
  }

  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs, ...legacy: unknown[]): void {
    if (!this.#capture.adopt(req)) return;
    (https.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options, ...legacy);
  }
}
