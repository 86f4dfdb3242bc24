import { Cooldown } from '../../net/cooldown';
import { SmoothWeightedRoundRobin } from '../../net/weighted-round-robin';
import type { ForwardProxyConfig, Upstream } from './config';

export interface UpstreamHealth {
  consecutiveFailures: number;
  /** Epoch ms when the current rest ends, or null when not resting. */
  restingUntil: number | null;
}

/**
 * The upstreams of the current configuration: smooth weighted round robin
 * over enabled ones, filtered by tag and passive health. Round-robin state and
 * health survive a reload for upstreams whose url and tag stay the same.
 */
export class UpstreamPool {
  private readonly rotation = new SmoothWeightedRoundRobin<string>();
  private byKey = new Map<string, Upstream>();
  private list: Upstream[] = [];
  private cooldown: Cooldown<string>;
  private healthOptions = '';

  constructor(
    config: ForwardProxyConfig,
    private readonly now: () => number,
  ) {
    this.cooldown = this.makeCooldown(config);
    this.configure(config);
  }

  configure(config: ForwardProxyConfig): void {
    const options = JSON.stringify([config.health.failureThreshold, config.health.cooldownMs, config.health.maxCooldownMs]);
    if (options !== this.healthOptions) this.cooldown = this.makeCooldown(config);
    const previous = this.byKey;
    this.list = config.upstreams;
    this.byKey = new Map(config.upstreams.map((u) => [u.key, u]));
    for (const key of previous.keys()) if (!this.byKey.has(key)) this.cooldown.forget(key);
    this.rotation.replace(this.list.filter((u) => u.enabled).map((u) => ({ item: u.key, weight: u.weight })));
  }

  /** No upstreams configured: tunnels go straight to their targets. */
  get direct(): boolean {
    return this.list.length === 0;
  }

  get upstreams(): readonly Upstream[] {
    return this.list;
  }

  /** Whether any enabled upstream carries the tag. */
  serves(tag: string): boolean {
    return this.list.some((u) => u.enabled && u.tag === tag);
  }

  /**
   * The next upstream for a request (only `tag`'s when given), skipping those
   * already `tried`. Resting upstreams are skipped while others remain; when
   * all candidates rest they are tried anyway, since refusing outright would
   * turn a blip into an outage (their failures keep extending the rest).
   */
  pick(tag: string | undefined, tried: ReadonlySet<string>): Upstream | undefined {
    const candidate = (key: string): boolean =>
      !tried.has(key) && (tag === undefined || this.byKey.get(key)?.tag === tag);
    const key =
      this.rotation.pick((k) => candidate(k) && !this.cooldown.isResting(k)) ?? this.rotation.pick(candidate);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  recordSuccess(upstream: Upstream): void {
    this.cooldown.recordSuccess(upstream.key);
  }

  /** Returns the rest it started, ms (0 when none). */
  recordFailure(upstream: Upstream): number {
    return this.byKey.get(upstream.key) === upstream ? this.cooldown.recordFailure(upstream.key) : 0;
  }

  health(upstream: Upstream): UpstreamHealth {
    const until = this.cooldown.restingUntil(upstream.key);
    return { consecutiveFailures: this.cooldown.consecutiveFailures(upstream.key), restingUntil: until > 0 ? until : null };
  }

  private makeCooldown(config: ForwardProxyConfig): Cooldown<string> {
    this.healthOptions = JSON.stringify([config.health.failureThreshold, config.health.cooldownMs, config.health.maxCooldownMs]);
    return new Cooldown<string>({
      failureThreshold: config.health.failureThreshold,
      baseMs: config.health.cooldownMs,
      maxMs: config.health.maxCooldownMs,
      now: this.now,
    });
  }
}
