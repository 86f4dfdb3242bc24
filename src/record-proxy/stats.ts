import type { ClientCounts } from '../proxy/forward/client-slots';

/** Counts of one scope (all exchanges, one warcPrefix, one tag). */
export interface ExchangeCounts {
  /** Pairs written, revisits included. */
  recorded: number;
  /** Pairs whose response was written as a revisit. */
  revisits: number;
  /** Exchanges that ended without a record: upstream failures (502/504), broken connections. */
  failed: number;
  /** Pairs the client's DiscardHook dropped. */
  discarded: number;
  /** Body bytes relayed: up (browser to origin) and down (origin to browser). */
  bytes: { up: number; down: number };
}

/** What `GET /stats` returns. */
export interface RecordingProxyStats {
  startedAt: string;
  uptimeSeconds: number;
  /** Client connections accepted since start. */
  connections: number;
  /** Client connections open now: pending (no accepted head yet) and active. */
  clients: ClientCounts;
  /** CONNECT tunnels: opened since start, open now, and how many were intercepted TLS. */
  tunnels: { opened: number; open: number; tls: number; failedHandshakes: number };
  /** WebSocket upgrades spliced through (their frames are not recorded). */
  websockets: number;
  /**
   * Requests refused before they went upstream: 407 (auth), 400/431 (malformed, bad Warcwire-Meta,
   * too many prefixes), 503 (max clients), and connections dropped before finishing a head (slow).
   */
  rejected: { auth: number; badRequest: number; overload: number; slow: number };
  exchanges: ExchangeCounts;
  /** Leaf certificates issued for the browser side. */
  certificatesIssued: number;
  /** Per Warcwire-Meta warcPrefix ('' for the client's own prefix). */
  prefixes: Record<string, ExchangeCounts>;
  /** Per Warcwire-Meta tag. */
  tags: Record<string, ExchangeCounts>;
}

/** How one exchange ended, as the stats count it. */
export type ExchangeEnd = { kind: 'recorded'; revisit: boolean } | { kind: 'failed' } | { kind: 'discarded' };

/**
 * Distinct tags (and warcPrefix values) counted on their own. Both come from
 * clients, and prefixes come and go on a long-running proxy: past this many,
 * new ones are counted together under OTHER_TAGS, so the stats cannot grow
 * without bound.
 */
export const MAX_COUNTED_TAGS = 256;
export const OTHER_TAGS = '(other)';

const emptyCounts = (): ExchangeCounts => ({ recorded: 0, revisits: 0, failed: 0, discarded: 0, bytes: { up: 0, down: 0 } });

function add(counts: ExchangeCounts, end: ExchangeEnd, up: number, down: number): void {
  if (end.kind === 'recorded') {
    counts.recorded += 1;
    if (end.revisit) counts.revisits += 1;
  } else counts[end.kind] += 1;
  counts.bytes.up += up;
  counts.bytes.down += down;
}

/** The recording proxy's counters; each exchange is counted once, when it ends, in every scope it belongs to. */
export class RecordingStats {
  connections = 0;
  readonly tunnels = { opened: 0, open: 0, tls: 0, failedHandshakes: 0 };
  websockets = 0;
  readonly rejected = { auth: 0, badRequest: 0, overload: 0, slow: 0 };
  private readonly overall = emptyCounts();
  private readonly prefixes = new Map<string, ExchangeCounts>();
  private readonly tags = new Map<string, ExchangeCounts>();
  private readonly startedAt = Date.now();

  exchangeEnded(scope: { prefix: string; tags: readonly string[] }, end: ExchangeEnd, bytes: { up: number; down: number }): void {
    add(this.overall, end, bytes.up, bytes.down);
    add(entry(this.prefixes, counted(this.prefixes, scope.prefix)), end, bytes.up, bytes.down);
    const tags = new Set(scope.tags.map((tag) => counted(this.tags, tag)));
    for (const tag of tags) add(entry(this.tags, tag), end, bytes.up, bytes.down);
  }

  snapshot(clients: ClientCounts, certificatesIssued: number): RecordingProxyStats {
    const now = Date.now();
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
      connections: this.connections,
      clients,
      tunnels: { ...this.tunnels },
      websockets: this.websockets,
      rejected: { ...this.rejected },
      exchanges: copy(this.overall),
      certificatesIssued,
      prefixes: Object.fromEntries([...this.prefixes].map(([k, v]) => [k, copy(v)])),
      tags: Object.fromEntries([...this.tags].map(([k, v]) => [k, copy(v)])),
    };
  }
}

/** `key`, or OTHER_TAGS when `map` already counts MAX_COUNTED_TAGS others. */
function counted(map: Map<string, ExchangeCounts>, key: string): string {
  return map.has(key) || map.size < MAX_COUNTED_TAGS ? key : OTHER_TAGS;
}

function entry(map: Map<string, ExchangeCounts>, key: string): ExchangeCounts {
  let counts = map.get(key);
  if (counts === undefined) {
    counts = emptyCounts();
    map.set(key, counts);
  }
  return counts;
}

const copy = (c: ExchangeCounts): ExchangeCounts => ({ ...c, bytes: { ...c.bytes } });
