import { LatencyHistogram, type LatencySummary } from './latency-histogram';

/** Length of the sliding window. */
export const WINDOW_MS = 15 * 60_000;
/** The window moves in steps of this: an event leaves it 14:45–15:00 min after it happened. */
export const SLOT_MS = 15_000;
const SLOTS = WINDOW_MS / SLOT_MS;

/** The numbers of one scope over one period, as the stats endpoint shows them. */
export interface TrafficBlock {
  total: number;
  success: number;
  failed: number;
  /** null when no tunnel succeeded in the period. */
  timeToTunnelMs: LatencySummary | null;
  concurrency: { current: number; peak: number };
  bytes: { up: number; down: number };
}

class Tally {
  success = 0;
  failed = 0;
  readonly timeToTunnel = new LatencyHistogram();
  peak = 0;
  up = 0;
  down = 0;

  merge(other: Tally): void {
    this.success += other.success;
    this.failed += other.failed;
    this.timeToTunnel.merge(other.timeToTunnel);
    this.peak = Math.max(this.peak, other.peak);
    this.up += other.up;
    this.down += other.down;
  }

  block(current: number): TrafficBlock {
    return {
      total: this.success + this.failed,
      success: this.success,
      failed: this.failed,
      timeToTunnelMs: this.timeToTunnel.summary(),
      concurrency: { current, peak: Math.max(this.peak, current) },
      bytes: { up: this.up, down: this.down },
    };
  }
}

/**
 * Counters of one scope (overall, one upstream, one tag): lifetime totals
 * plus a ring of 15-second slots making the sliding 15-minute window. Time
 * comes from the injected clock so tests can move it.
 */
export class ScopeStats {
  private readonly lifetime = new Tally();
  private readonly slots: ({ epoch: number; tally: Tally } | undefined)[] = new Array<undefined>(SLOTS);
  private current = 0;

  constructor(private readonly now: () => number) {}

  succeeded(timeToTunnelMs: number): void {
    for (const tally of [this.lifetime, this.slot()]) {
      tally.success += 1;
      tally.timeToTunnel.observe(timeToTunnelMs);
    }
  }

  failed(): void {
    this.lifetime.failed += 1;
    this.slot().failed += 1;
  }

  opened(): void {
    this.current += 1;
    for (const tally of [this.lifetime, this.slot()]) tally.peak = Math.max(tally.peak, this.current);
  }

  closed(): void {
    this.current -= 1;
  }

  bytes(up: number, down: number): void {
    const slot = this.slot();
    this.lifetime.up += up;
    this.lifetime.down += down;
    slot.up += up;
    slot.down += down;
  }

  snapshot(): { lifetime: TrafficBlock; window: TrafficBlock } {
    const epoch = Math.floor(this.now() / SLOT_MS);
    const window = new Tally();
    for (const slot of this.slots) {
      if (slot && slot.epoch > epoch - SLOTS && slot.epoch <= epoch) window.merge(slot.tally);
    }
    return { lifetime: this.lifetime.block(this.current), window: window.block(this.current) };
  }

  private slot(): Tally {
    const epoch = Math.floor(this.now() / SLOT_MS);
    const index = ((epoch % SLOTS) + SLOTS) % SLOTS;
    let slot = this.slots[index];
    if (!slot || slot.epoch !== epoch) {
      slot = { epoch, tally: new Tally() };
      // Tunnels still open when the slot starts count toward its peak.
      slot.tally.peak = this.current;
      this.slots[index] = slot;
    }
    return slot.tally;
  }
}
