import { redactProxyUrl } from '../../net/redact';
import type { ClientCounts } from './client-slots';
import type { Upstream } from './config';
import { ScopeStats, WINDOW_MS, type TrafficBlock } from './scope-stats';
import type { UpstreamHealth } from './upstream-pool';

export interface PeriodBlocks {
  lifetime: TrafficBlock;
  window: TrafficBlock;
}

export interface UpstreamStatsEntry extends PeriodBlocks {
  /** scheme://host:port only: never credentials. */
  url: string;
  tag: string | null;
  note: string | null;
  enabled: boolean;
  weight: number;
  health: { consecutiveFailures: number; resting: boolean; restingUntil: string | null };
}

/** What `GET /stats` returns. */
export interface StatsSnapshot {
  startedAt: string;
  uptimeSeconds: number;
  windowSeconds: number;
  mode: 'direct' | 'upstreams';
  /**
   * Requests refused before routing: 407 (auth), 400/431 (malformed, unknown tag), 503 (max clients),
   * and connections dropped before finishing a head (slow: shed for a newer one, or 408 at pendingTimeoutMs).
   */
  rejected: { auth: number; badRequest: number; overload: number; slow: number };
  /** Client connections open now: pending (no accepted head yet) and active. */
  clients: ClientCounts;
  overall: PeriodBlocks;
  upstreams: UpstreamStatsEntry[];
  tags: Record<string, PeriodBlocks>;
}

/** The scopes one tunnel counts in. */
export interface TunnelScopes {
  overall: ScopeStats;
  /** The upstream and its tag; empty for direct tunnels. */
  route: ScopeStats[];
}

/**
 * All counters of the forward proxy. Requests count in `overall` once each;
 * upstreams and tags count every attempt (so a failover shows as a failure on
 * one upstream and a success on another, and as one success overall).
 */
export class ProxyStats {
  readonly overall: ScopeStats;
  readonly rejected = { auth: 0, badRequest: 0, overload: 0, slow: 0 };
  private readonly startedAt: number;
  private readonly byUpstream = new Map<string, ScopeStats>();
  private readonly byTag = new Map<string, ScopeStats>();

  constructor(private readonly now: () => number) {
    this.startedAt = now();
    this.overall = new ScopeStats(now);
  }

  /** Scopes of an upstream: its own, then its tag's. */
  routeScopes(upstream: Upstream): ScopeStats[] {
    let own = this.byUpstream.get(upstream.key);
    if (!own) this.byUpstream.set(upstream.key, (own = new ScopeStats(this.now)));
    if (upstream.tag === undefined) return [own];
    let tag = this.byTag.get(upstream.tag);
    if (!tag) this.byTag.set(upstream.tag, (tag = new ScopeStats(this.now)));
    return [own, tag];
  }

  /** Forgets upstreams and tags a reload removed (open tunnels keep their scope objects). */
  retain(upstreams: readonly Upstream[]): void {
    const keys = new Set(upstreams.map((u) => u.key));
    const tags = new Set(upstreams.map((u) => u.tag));
    for (const key of this.byUpstream.keys()) if (!keys.has(key)) this.byUpstream.delete(key);
    for (const tag of this.byTag.keys()) if (!tags.has(tag)) this.byTag.delete(tag);
  }

  snapshot(upstreams: readonly Upstream[], health: (u: Upstream) => UpstreamHealth, clients: ClientCounts): StatsSnapshot {
    const now = this.now();
    const tags: Record<string, PeriodBlocks> = {};
    for (const u of upstreams) {
      if (u.tag !== undefined && !(u.tag in tags)) tags[u.tag] = this.byTag.get(u.tag)?.snapshot() ?? idle();
    }
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSeconds: Math.max(0, (now - this.startedAt) / 1000),
      windowSeconds: WINDOW_MS / 1000,
      mode: upstreams.length === 0 ? 'direct' : 'upstreams',
      rejected: { ...this.rejected },
      clients,
      overall: this.overall.snapshot(),
      upstreams: upstreams.map((u) => {
        const h = health(u);
        return {
          url: redactProxyUrl(u.url),
          tag: u.tag ?? null,
          note: u.note ?? null,
          enabled: u.enabled,
          weight: u.weight,
          health: {
            consecutiveFailures: h.consecutiveFailures,
            resting: h.restingUntil !== null,
            restingUntil: h.restingUntil === null ? null : new Date(h.restingUntil).toISOString(),
          },
          ...(this.byUpstream.get(u.key)?.snapshot() ?? idle()),
        };
      }),
      tags,
    };
  }
}

function idle(): PeriodBlocks {
  const block = (): TrafficBlock => ({
    total: 0,
    success: 0,
    failed: 0,
    timeToTunnelMs: null,
    concurrency: { current: 0, peak: 0 },
    bytes: { up: 0, down: 0 },
  });
  return { lifetime: block(), window: block() };
}
