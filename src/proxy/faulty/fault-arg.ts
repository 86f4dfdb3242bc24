import { ProxyServerError } from '../errors';
import type { FaultSpec } from './options';

const NUMERIC = new Set(['rate', 'latencyMs', 'jitterMs', 'bytesPerSecond', 'sliceBytes', 'sliceDelayMs', 'limitBytes', 'afterBytes']);

/**
 * Parses the CLI form of a fault, `KIND[,key=value...]`, e.g.
 * `latency,latencyMs=200,jitterMs=50,rate=0.5` or `reset,phase=inside,afterBytes=1000`.
 * Values are checked later by normalizeFault.
 */
export function parseFaultArg(text: string, field = '--fault'): FaultSpec {
  const [kind, ...pairs] = text.split(',');
  const spec: Record<string, unknown> = { kind };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (key === 'phase') spec.phase = value;
    else if (NUMERIC.has(key) && value !== '' && Number.isFinite(Number(value))) spec[key] = Number(value);
    else throw new ProxyServerError('ERR_FAULT_OPTIONS', `bad setting ${JSON.stringify(pair)} in ${JSON.stringify(text)}`, { field });
  }
  return spec as unknown as FaultSpec;
}
