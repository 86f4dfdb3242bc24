import { DEFAULT_COOLDOWN } from '../defaults';
import { NetError } from './errors';

export interface CooldownOptions {
  /** Consecutive failures before an item starts resting. Default 3. */
  failureThreshold?: number;
  /** First rest, in ms. Each further failure doubles it. Default 5000. */
  baseMs?: number;
  /** Longest rest, in ms. Default 300000 (5 minutes). */
  maxMs?: number;
  /** Clock in ms; injectable for tests. Default Date.now. */
  now?: () => number;
}

interface Health {
  consecutiveFailures: number;
  restingUntil: number;
}

/**
 * Passive health of pool members (proxies): after `failureThreshold`
 * consecutive failures an item rests for `baseMs`; every further failure
 * (typically the trial dial after the rest) doubles the rest, up to `maxMs`.
 * One success forgets everything.
 */
export class Cooldown<K> {
  private readonly threshold: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;
  private readonly health = new Map<K, Health>();

  constructor(options: CooldownOptions = {}) {
    this.threshold = options.failureThreshold ?? DEFAULT_COOLDOWN.failureThreshold;
    this.baseMs = options.baseMs ?? DEFAULT_COOLDOWN.baseMs;
    this.maxMs = options.maxMs ?? DEFAULT_COOLDOWN.maxMs;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new NetError('ERR_INVALID_OPTION', `failureThreshold must be an integer >= 1, got ${this.threshold}`);
    }
    if (!(this.baseMs >= 0) || !(this.maxMs >= this.baseMs)) {
      throw new NetError('ERR_INVALID_OPTION', `cooldown needs 0 <= baseMs <= maxMs, got ${this.baseMs} and ${this.maxMs}`);
    }
  }

  /** True while the item is resting and should not be picked. */
  isResting(key: K): boolean {
    const health = this.health.get(key);
    return health !== undefined && health.restingUntil > this.now();
  }

  /** When the current rest ends (ms, same clock), or 0 when not resting. */
  restingUntil(key: K): number {
    const health = this.health.get(key);
    return health && health.restingUntil > this.now() ? health.restingUntil : 0;
  }

  consecutiveFailures(key: K): number {
    return this.health.get(key)?.consecutiveFailures ?? 0;
  }

  /** Records one failure; returns the rest it started in ms (0 when none). */
  recordFailure(key: K): number {
    let health = this.health.get(key);
    if (!health) {
      health = { consecutiveFailures: 0, restingUntil: 0 };
      this.health.set(key, health);
    }
    health.consecutiveFailures += 1;
    const over = health.consecutiveFailures - this.threshold;
    if (over < 0) return 0;
    // 2 ** over overflows to Infinity for huge counts; min() caps it either way.
    const rest = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(over, 52));
    health.restingUntil = this.now() + rest;
    return rest;
  }

  recordSuccess(key: K): void {
    this.health.delete(key);
  }

  forget(key: K): void {
    this.health.delete(key);
  }
}
