import * as net from 'node:net';
import { NetError } from './errors';

/** Delay before the next address is tried while the previous attempt is still pending (RFC 8305 §5). */
export const CONNECTION_ATTEMPT_DELAY_MS = 250;

export interface HappyEyeballsOptions {
  port: number;
  /** IPv6 first, then alternating families. */
  ipv6: readonly string[];
  ipv4: readonly string[];
  /** Total budget in ms. */
  timeout: number;
  signal?: AbortSignal;
  /** Source address for an attempt of the given family, if any. */
  localAddress?: (family: 4 | 6) => string | undefined;
  attemptDelayMs?: number;
}

/** Addresses in attempt order: IPv6 first, then alternating with IPv4 (RFC 8305 §4). */
export function interleave(ipv6: readonly string[], ipv4: readonly string[]): string[] {
  const order: string[] = [];
  for (let i = 0; i < Math.max(ipv6.length, ipv4.length); i++) {
    if (i < ipv6.length) order.push(ipv6[i]!);
    if (i < ipv4.length) order.push(ipv4[i]!);
  }
  return order;
}

/**
 * Connects to the first address that answers. An attempt starts when the
 * previous one failed or after `attemptDelayMs`, whichever comes first; the
 * first to connect wins and the others are destroyed.
 */
export function connectHappyEyeballs(options: HappyEyeballsOptions): Promise<net.Socket> {
  const addresses = interleave(options.ipv6, options.ipv4);
  const delay = options.attemptDelayMs ?? CONNECTION_ATTEMPT_DELAY_MS;
  return new Promise((resolve, reject) => {
    if (addresses.length === 0) {
      reject(new NetError('ERR_DIAL_FAILED', 'no address to connect to'));
      return;
    }
    const pending = new Set<net.Socket>();
    const errors: string[] = [];
    let next = 0;
    let settled = false;
    let staggerTimer: NodeJS.Timeout | undefined;

    const finish = (error: Error | undefined, winner?: net.Socket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(staggerTimer);
      clearTimeout(budgetTimer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const socket of pending) if (socket !== winner) socket.destroy();
      pending.clear();
      if (winner) resolve(winner);
      else reject(error);
    };

    const startNext = (): void => {
      clearTimeout(staggerTimer);
      if (settled) return;
      if (next >= addresses.length) {
        if (pending.size === 0) {
          finish(new NetError('ERR_DIAL_FAILED', `connection to port ${options.port} failed: ${errors.join('; ')}`));
        }
        return;
      }
      const address = addresses[next++]!;
      const family = net.isIPv6(address) ? 6 : 4;
      const localAddress = options.localAddress?.(family);
      const socket = net.connect({ host: address, port: options.port, ...(localAddress ? { localAddress } : {}) });
      pending.add(socket);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        pending.delete(socket);
        finish(undefined, socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        pending.delete(socket);
        socket.destroy();
        errors.push(`${address}: ${error.code ?? error.message}`);
        startNext();
      });
      if (next < addresses.length) staggerTimer = setTimeout(startNext, delay);
    };

    const onAbort = (): void => finish(new NetError('ERR_ABORTED', 'connect aborted'));
    const budgetTimer = setTimeout(
      () => finish(new NetError('ERR_DIAL_TIMEOUT', `connect to port ${options.port} timed out after ${options.timeout} ms`)),
      options.timeout,
    );
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    startNext();
  });
}
