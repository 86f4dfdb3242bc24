import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type { WrittenExchange } from '../pending-write';
import type { AgentCapture } from './agent-capture';
import type { AgentPoolOptions } from './agent-options';

/** node's Agent.addRequest, which its typings leave out. */
type AddRequest = (this: http.Agent, req: http.ClientRequest, options: http.ClientRequestArgs, ...legacy: unknown[]) => void;
/** node calls it with the socket, or with only the error. */
type ConnectCallback = (err: Error | null, stream?: Duplex) => void;

/**
 * An http.Agent whose connections come from warcwire's dialer and are
 * captured: every request through it is written as a response/request pair.
 * Get one from `client.httpAgent` or `client.agents(options).http`.
 */
export class CapturingHttpAgent extends http.Agent {
  readonly #capture: AgentCapture;

  constructor(capture: AgentCapture, pool: AgentPoolOptions) {
    super({ keepAlive: true, ...pool });
    this.#capture = capture;
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

  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs, ...legacy: unknown[]): void {
    if (!this.#capture.adopt(req)) return;
    (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options, ...legacy);
  }
}

/** The https twin of CapturingHttpAgent: TLS is the dialer's (client `tls` settings, per-request verify). */
export class CapturingHttpsAgent extends https.Agent {
  readonly #capture: AgentCapture;

  constructor(capture: AgentCapture, pool: AgentPoolOptions) {
    super({ keepAlive: true, ...pool });
    this.#capture = capture;
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

  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs, ...legacy: unknown[]): void {
    if (!this.#capture.adopt(req)) return;
    (https.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options, ...legacy);
  }
}
