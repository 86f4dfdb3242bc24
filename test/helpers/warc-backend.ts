/** The backend under test (WARCWIRE_BACKEND) and a temp directory per test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../../src/backend/index';

export const backend = loadBackend();

export const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'warc');

export function tempDir(tag: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `warcwire-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
