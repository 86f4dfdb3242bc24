/** `--dedupe SPEC...` and `--dedupe-min-size` of the recording commands: the dedupe index they open. */
import { DEFAULT_SIZE_THRESHOLD } from '../../dedupe/candidate';
import { createDedupeIndex } from '../../dedupe/dedupe-index';
import { DedupeError } from '../../dedupe/errors';
import { parseDedupeSpecs } from '../../dedupe/spec';
import type { DedupeIndex } from '../../dedupe/types';
import type { DigestAlgorithm } from '../../backend/types';
import type { Logger } from '../../obs/logger';
import type { PrometheusRegistry } from '../../obs/registry';
import { UsageError } from '../args';
import { size } from './flag-values';
import { sizeText } from './size';
import type { dedupeDegradedWarner } from './capture-warnings';

export const DEDUPE_OPTIONS = {
  dedupe: { type: 'string', multiple: true },
  'dedupe-min-size': { type: 'string' },
} as const;

export const DEDUPE_HELP = `      --dedupe SPEC       write a revisit for a payload already archived; SPEC is
                          local[:MAX] | redis://host:port/db | cdx:URL |
                          doppelganger:URL (repeatable; looked up in that order).
                          A source that starts failing prints a warning (dedupe
                          is degraded, full records are stored) and one line
                          when it answers again
      --dedupe-min-size SIZE   payloads smaller than SIZE are never deduplicated
                          (stored in full, not looked up; e.g. 512, 4K; 0: every
                          non-empty payload; default ${sizeText(DEFAULT_SIZE_THRESHOLD)}); needs --dedupe
`;

export interface DedupeFlags {
  specs: readonly string[];
  minSize?: number;
}

/** The dedupe flags checked (a UsageError for a bad size or a size without --dedupe). */
export function dedupeFlags(values: { dedupe?: string[]; 'dedupe-min-size'?: string }): DedupeFlags {
  const minSize = size('--dedupe-min-size', values['dedupe-min-size'], '512 or 4K');
  const specs = values.dedupe ?? [];
  if (minSize !== undefined && specs.length === 0) throw new UsageError('--dedupe-min-size needs --dedupe');
  return { specs, ...(minSize !== undefined ? { minSize } : {}) };
}

/** The index of the flags, or undefined without --dedupe; a bad SPEC is a UsageError. */
export function dedupeIndex(flags: DedupeFlags, registry: PrometheusRegistry, digest: DigestAlgorithm, logger: Logger): DedupeIndex | undefined {
  if (flags.specs.length === 0) return undefined;
  try {
    return createDedupeIndex(
      parseDedupeSpecs(flags.specs, { metrics: registry, digestAlgorithm: digest, logger, ...(flags.minSize !== undefined ? { sizeThreshold: flags.minSize } : {}) }),
    );
  } catch (err) {
    throw new UsageError(`--dedupe: ${(err as Error).message}`);
  }
}

/**
 * Warns before the first fetch when a remote dedupe source does not answer;
 * the run goes on and stores full records while it fails.
 */
export async function pingDedupe(dedupe: DedupeIndex, warner: ReturnType<typeof dedupeDegradedWarner>, warn: (line: string) => Promise<void>): Promise<void> {
  await dedupe.ping().catch(async (err: unknown) => {
    warner.silence(err instanceof DedupeError ? err.source : undefined);
    await warn(`warning: dedupe degraded at start: ${(err as Error).message}; full records will be stored while it fails`);
  });
}
