import type { Fault, FaultKind } from './options';

/** What one connection will suffer, drawn when its request arrives. */
export interface FaultPlan {
  /** Delays (ms) to wait before acting on the request. */
  beforeDelays: number[];
  /** The first terminal fault drawn for the before phase (reset, close, timeout, 502, 500). */
  beforeTerminal?: Fault;
  /** Faults applied to the data once it flows. */
  inside: Fault[];
}

export function drawLatency(fault: Fault, random: () => number): number {
  return Math.max(0, fault.latencyMs + (random() * 2 - 1) * fault.jitterMs);
}

/**
 * Draws, per fault and phase, whether it hits this connection. Draws happen
 * in a fixed order, so a seeded generator and the same arrival order give the
 * same plan.
 */
export function drawPlan(faults: readonly Fault[], random: () => number): FaultPlan {
  const plan: FaultPlan = { beforeDelays: [], inside: [] };
  for (const fault of faults) {
    if (fault.before && random() < fault.rate) {
      if (fault.kind === 'latency') plan.beforeDelays.push(drawLatency(fault, random));
      else plan.beforeTerminal ??= fault;
    }
    if (fault.inside && random() < fault.rate) plan.inside.push(fault);
  }
  return plan;
}

export type FaultCounts = Record<FaultKind, number>;

export function emptyFaultCounts(): FaultCounts {
  return {
    latency: 0,
    reset: 0,
    close: 0,
    timeout: 0,
    'bad-gateway': 0,
    'internal-error': 0,
    bandwidth: 0,
    slice: 0,
    'limit-data': 0,
  };
}
