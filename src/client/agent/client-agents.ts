import type { Socket } from 'node:net';
import type { CaptureCore } from '../captured-connection';
import { shutDownError } from '../errors';
import type { WrittenExchange } from '../pending-write';
import { AgentCapture, type AgentHost } from './agent-capture';
import { checkAgentOptions, type AgentOptions } from './agent-options';
import { CapturingHttpAgent, CapturingHttpsAgent } from './capturing-agents';

/** An http and an https agent bound to the same options. */
export interface AgentPair {
  http: CapturingHttpAgent;
  https: CapturingHttpsAgent;
}

/**
 * The client's http(s) agents: the default pair and those made for given
 * options, the requests they run (close() waits for their `written`) and
 * their open sockets (closed at the end, whichever agent made them).
 */
export class ClientAgents implements AgentHost {
  readonly defaults: AgentPair;
  private isClosed = false;
  private isAborted = false;
  private readonly inFlight = new Set<Promise<WrittenExchange>>();
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly core: CaptureCore,
    readonly userAgent: string | undefined,
    /** Idle kept-alive sockets close after this many ms (the client's keepAliveTimeout). */
    private readonly idleMs: number,
  ) {
    this.defaults = this.pair({}, 'agents');
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  /** A new pair bound to `options` (ClientError ERR_INVALID_SETTING for a bad one). */
  pair(options: AgentOptions | undefined, where: string): AgentPair {
    const { controls, pool, onWritten } = checkAgentOptions(options, where);
    return {
      http: new CapturingHttpAgent(new AgentCapture(this, 'http:', controls, onWritten), pool, this.idleMs),
      https: new CapturingHttpsAgent(new AgentCapture(this, 'https:', controls, onWritten), pool, this.idleMs),
    };
  }

  track(written: Promise<WrittenExchange>): void {
    this.inFlight.add(written);
    const done = (): void => void this.inFlight.delete(written);
    written.then(done, done);
  }

  opened(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Refuses new requests, waits for those running to be written, then closes the idle connections. */
  async close(): Promise<void> {
    this.isClosed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    for (const socket of this.sockets) socket.destroy();
  }

  /** Cuts every connection short (client.abort()): their exchanges are recorded truncated, as a disconnect. */
  destroy(): void {
    this.isClosed = true;
    this.isAborted = true;
    const err = shutDownError();
    for (const socket of this.sockets) socket.destroy(err);
  }
}
