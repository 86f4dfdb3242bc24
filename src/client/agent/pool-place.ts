import type { Agent, ClientRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** node's pool bookkeeping, which its typings declare read-only or leave out. */
interface AgentPool {
  sockets: Record<string, Duplex[] | undefined>;
  requests: Record<string, ClientRequest[] | undefined>;
  totalSocketCount: number;
  /** Takes a socket out of the pool (if there) and starts one for the first queued request of its key. */
  removeSocket(socket: Duplex, options: RequestOptions): void;
}

/**
 * A placeholder socket in node's pool, holding the place of one being dialed:
 * node counts a socket against maxSockets only once it exists.
 */
export class PoolPlace {
  private readonly placeholder = new Socket({ writable: false });
  private readonly pool: AgentPool;
  /**
   * The queued request this dial serves, if node started it from the queue (its
   * removeSocket serves the first queued request and dequeues it only once a socket
   * comes; a request that is not queued gets a dial only while its key's queue is empty).
   */
  private readonly served: ClientRequest | undefined;

  constructor(
    agent: Agent,
    private readonly name: string,
  ) {
    this.pool = agent as unknown as AgentPool;
    this.served = this.pool.requests[name]?.[0];
    (this.pool.sockets[name] ??= []).push(this.placeholder);
    this.pool.totalSocketCount++;
  }

  /** Frees the place: the real socket takes it (node adds it to the pool itself). */
  leave(): void {
    const list = this.pool.sockets[this.name]!;
    list.splice(list.indexOf(this.placeholder), 1);
    if (list.length === 0) delete this.pool.sockets[this.name];
    this.pool.totalSocketCount--;
  }

  /**
   * No socket came: frees the place and lets node start a dial for the next queued
   * request, as when a socket closes. True when the failure is the served request's
   * to report: it takes it off the queue (it fails). False when that request already
   * left the queue: node started several dials for the same queue head (one per socket
   * that failed together) and another one failed it or gave it a socket.
   */
  fail(options: RequestOptions): boolean {
    this.leave();
    const queue = this.pool.requests[this.name];
    const report = this.served === undefined || queue?.[0] === this.served;
    if (queue !== undefined && this.served !== undefined && report) {
      queue.shift();
      if (queue.length === 0) delete this.pool.requests[this.name];
    }
    if (this.pool.requests[this.name]?.length) this.pool.removeSocket(this.placeholder, options);
    return report;
  }
}
