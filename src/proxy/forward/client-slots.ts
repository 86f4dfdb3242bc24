import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { dropWithStatus } from '../raw-response';

export interface ClientCounts {
  pending: number;
  active: number;
}

export interface SlotLimits {
  readonly maxClients: number;
  readonly maxPendingClients: number;
  readonly pendingTimeoutMs: number;
}

/**
 * Owns the count of the proxy's client connections. A connection is pending
 * from accept until it finishes a request head the proxy accepts
 * (authenticated, when auth is on), then active until it closes. Pending
 * connections have a cap and a deadline of their own, so connections that
 * never finish a head (slowloris) cannot crowd out clients that do:
 *
 * - a newcomer beyond `maxPendingClients`, or beyond `maxClients` in all,
 *   sheds the oldest pending connection; only a proxy whose `maxClients` are
 *   all active refuses it. Shedding the oldest rather than refusing the
 *   newest is what keeps real clients in: an attacker who keeps the pending
 *   cap full would otherwise lock every one of them out, while a real client
 *   sends its head within a round trip and so is the oldest only if the
 *   attacker opens `maxPendingClients` connections in that time;
 * - a connection still pending after `pendingTimeoutMs` is answered 408 and
 *   closed.
 */
export class ClientSlots {
  /** Pending connections and their deadlines (performance.now() ms), oldest first. */
  private readonly pending = new Map<Socket, number>();
  private readonly active = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private limits: SlotLimits,
    /** Called for each pending connection shed or timed out before it was answered. */
    private readonly onDropped: () => void,
  ) {}

  /** New limits apply to new connections; deadlines already set stay. */
  configure(limits: SlotLimits): void {
    this.limits = limits;
  }

  /** Takes a new connection as pending; false when active connections fill `maxClients` (the caller refuses it). */
  accept(socket: Socket): boolean {
    const { maxClients, maxPendingClients, pendingTimeoutMs } = this.limits;
    if (this.active.size >= maxClients) return false;
    for (const oldest of this.pending.keys()) {
      if (this.pending.size < maxPendingClients && this.pending.size + this.active.size < maxClients) break;
      this.pending.delete(oldest);
      this.drop(oldest, () => oldest.destroy());
    }
    this.pending.set(socket, performance.now() + pendingTimeoutMs);
    socket.once('close', () => {
      this.pending.delete(socket);
      this.active.delete(socket);
    });
    this.arm();
    return true;
  }

  /** The connection finished an accepted head: it is active from now on (no-op unless pending). */
  authenticated(socket: Socket): void {
    if (this.pending.delete(socket)) this.active.add(socket);
  }

  counts(): ClientCounts {
    return { pending: this.pending.size, active: this.active.size };
  }

  /** Stops the deadline timer (the sockets are the caller's to close). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drops a connection; one already answered (400, 407, …) is only closed, not counted again. */
  private drop(socket: Socket, how: () => void): void {
    if (socket.writableEnded || socket.destroyed) return void socket.destroy();
    this.onDropped();
    how();
  }

  /** One timer, for the oldest pending connection's deadline. */
  private arm(): void {
    if (this.timer !== undefined) return;
    const first = this.pending.values().next();
    if (first.done) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.value - performance.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (const [socket, deadline] of this.pending) {
      if (deadline > now) break;
      this.pending.delete(socket);
      this.drop(socket, () => dropWithStatus(socket, 408));
    }
    this.arm();
  }
}
