/** The backend under test (WARCWIRE_BACKEND) and a temp directory per test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { loadBackend } from '../../src/backend/index';

export const backend = loadBackend();

/**
 * zstd may be missing only by design: the js backend on a Node whose node:zlib
 * has no zstd (before 22.15). Tests of that behaviour check this first, so a
 * backend that loses zstd for any other reason fails instead of passing.
 */
export function expectZstdMissingByDesign(): void {
  expect(backend.name).toBe('js');
  expect('zstdCompress' in zlib).toBe(false);
}

/** ERR_ZSTD_UNAVAILABLE as users see it: typed, and naming the ways out. */
export function zstdUnavailable(): { code: string; message: unknown } {
  return { code: 'ERR_ZSTD_UNAVAILABLE', message: expect.stringMatching(/Node >= 22\.15.*native addon/) };
}

export const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'warc');

export function tempDir(tag: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `warcwire-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
