/**
 * `--dedupe` values of the CLI, turned into a DedupeConfig:
 *   local | local:N (max entries) | redis://host:port/db | rediss://… | cdx:URL | doppelganger:URL
 * Repeatable; the lookup order is always local → Redis → Doppelganger → CDX.
 */
import { DedupeError } from './errors';
import type { DedupeConfig } from './types';

export function parseDedupeSpecs(specs: readonly string[], base: Omit<DedupeConfig, 'local' | 'redis' | 'cdx' | 'doppelganger'> = {}): DedupeConfig {
  const config: DedupeConfig = { ...base };
  const once = (key: 'local' | 'redis' | 'cdx' | 'doppelganger', spec: string): void => {
    if (config[key] !== undefined) throw new DedupeError('ERR_DEDUPE_CONFIG', `--dedupe ${key} given twice (${spec})`);
  };
  for (const spec of specs) {
    const local = /^local(?::(\d+))?$/.exec(spec);
    if (local) {
      once('local', spec);
      config.local = local[1] === undefined ? true : { maxEntries: Number(local[1]) };
    } else if (/^rediss?:\/\//.test(spec)) {
      once('redis', spec);
      config.redis = { url: spec };
    } else if (spec.startsWith('cdx:')) {
      once('cdx', spec);
      config.cdx = { url: spec.slice(4) };
    } else if (spec.startsWith('doppelganger:')) {
      once('doppelganger', spec);
      config.doppelganger = { url: spec.slice('doppelganger:'.length) };
    } else {
      throw new DedupeError('ERR_DEDUPE_CONFIG', `unknown --dedupe value ${JSON.stringify(spec)}; use local, redis://host:port/db, cdx:URL or doppelganger:URL`);
    }
  }
  return config;
}
