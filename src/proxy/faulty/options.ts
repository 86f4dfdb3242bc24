import type { Logger } from '../../obs/logger';
import { ProxyServerError } from '../errors';

export type FaultKind =
  | 'latency' // delay (± jitter) before answering, or per chunk inside the tunnel
  | 'reset' // TCP RST
  | 'close' // FIN without an answer / mid-stream
  | 'timeout' // accept, then never answer / stop forwarding
  | 'bad-gateway' // answer 502
  | 'internal-error' // answer 500
  | 'bandwidth' // cap the data rate
  | 'slice' // deliver data in small delayed pieces
  | 'limit-data'; // cut the connection after N bytes to the client

/** `before`: instead of (or before) opening the tunnel; `inside`: on the data once it flows. */
export type FaultPhase = 'before' | 'inside' | 'both';

export interface FaultSpec {
  kind: FaultKind;
  /** Share of connections (0–1) the fault hits, drawn per connection and phase. Default 1. */
  rate?: number;
  /** Default `before` for latency/reset/close/timeout/bad-gateway/internal-error, `inside` for the others. */
  phase?: FaultPhase;
  /** latency: base delay in ms. Default 100. */
  latencyMs?: number;
  /** latency: each delay is drawn uniformly in latencyMs ± jitterMs. Default 0. */
  jitterMs?: number;
  /** bandwidth: bytes per second, each direction. */
  bytesPerSecond?: number;
  /** slice: piece size in bytes. Default 1. */
  sliceBytes?: number;
  /** slice: pause between pieces in ms. Default 10. */
  sliceDelayMs?: number;
  /** limit-data: bytes delivered to the client before the cut. */
  limitBytes?: number;
  /** reset/close/timeout inside: bytes (both directions) that pass before the fault fires. Default 0. */
  afterBytes?: number;
}

export interface FaultyProxyOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  faults?: FaultSpec[];
  /** Seed of the fault draws; the same seed and connection order give the same faults. Default: random. */
  seed?: number;
  /** Dial timeout to targets in ms. Default 10000. */
  connectTimeoutMs?: number;
  logger?: Logger;
}

export interface Fault {
  kind: FaultKind;
  rate: number;
  before: boolean;
  inside: boolean;
  latencyMs: number;
  jitterMs: number;
  bytesPerSecond: number;
  sliceBytes: number;
  sliceDelayMs: number;
  limitBytes: number;
  afterBytes: number;
}

const KINDS: readonly FaultKind[] = [
  'latency', 'reset', 'close', 'timeout', 'bad-gateway', 'internal-error', 'bandwidth', 'slice', 'limit-data',
];
const BEFORE_ONLY = new Set<FaultKind>(['bad-gateway', 'internal-error']);
const INSIDE_ONLY = new Set<FaultKind>(['bandwidth', 'slice', 'limit-data']);

function fail(field: string, message: string): never {
  throw new ProxyServerError('ERR_FAULT_OPTIONS', message, { field });
}

function number(value: unknown, field: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(field, `must be a number in ${min}–${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks and completes one fault spec; throws ProxyServerError naming the bad field. */
export function normalizeFault(spec: FaultSpec, field = 'faults[0]'): Fault {
  if (!spec || typeof spec !== 'object') fail(field, 'must be an object');
  if (!KINDS.includes(spec.kind)) fail(`${field}.kind`, `must be one of ${KINDS.join(', ')}, got ${JSON.stringify(spec.kind)}`);
  const kind = spec.kind;
  const phase = spec.phase ?? (INSIDE_ONLY.has(kind) ? 'inside' : 'before');
  if (!['before', 'inside', 'both'].includes(phase)) fail(`${field}.phase`, `must be before, inside or both, got ${JSON.stringify(phase)}`);
  if (BEFORE_ONLY.has(kind) && phase !== 'before') fail(`${field}.phase`, `${kind} only happens before the tunnel`);
  if (INSIDE_ONLY.has(kind) && phase !== 'inside') fail(`${field}.phase`, `${kind} only happens inside the tunnel`);
  const fault: Fault = {
    kind,
    rate: number(spec.rate, `${field}.rate`, 1, 0, 1),
    before: phase !== 'inside',
    inside: phase !== 'before',
    latencyMs: number(spec.latencyMs, `${field}.latencyMs`, 100, 0),
    jitterMs: number(spec.jitterMs, `${field}.jitterMs`, 0, 0),
    bytesPerSecond: number(spec.bytesPerSecond, `${field}.bytesPerSecond`, 0, 1),
    sliceBytes: number(spec.sliceBytes, `${field}.sliceBytes`, 1, 1),
    sliceDelayMs: number(spec.sliceDelayMs, `${field}.sliceDelayMs`, 10, 0),
    limitBytes: number(spec.limitBytes, `${field}.limitBytes`, 0, 0),
    afterBytes: number(spec.afterBytes, `${field}.afterBytes`, 0, 0),
  };
  if (kind === 'bandwidth' && spec.bytesPerSecond === undefined) fail(`${field}.bytesPerSecond`, 'is required for bandwidth');
  if (kind === 'limit-data' && spec.limitBytes === undefined) fail(`${field}.limitBytes`, 'is required for limit-data');
  return fault;
}

export function normalizeFaults(specs: readonly FaultSpec[] | undefined): Fault[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) fail('faults', 'must be an array');
  return specs.map((spec, i) => normalizeFault(spec, `faults[${i}]`));
}
