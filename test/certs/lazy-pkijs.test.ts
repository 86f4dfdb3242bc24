/**
 * pkijs stores its default engine on a global named by the process id when it
 * loads: importing warcwire must not load it; only building or reading a
 * certificate does. Run in a child process on the built package, as a user
 * imports it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = join(__dirname, '..', '..', 'dist');
const dir = mkdtempSync(join(tmpdir(), 'warcwire-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('importing warcwire leaves pkijs unloaded and no global behind; loading a CA loads it', () => {
  const script = `
    const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/pkijs/'));
    const api = require(${JSON.stringify(dist)});
    const before = { loaded: loaded(), global: process.pid in globalThis };
    api.loadCertificateAuthority({ dir: ${JSON.stringify(join(dir, 'ca'))} }).then((ca) => {
      console.log(JSON.stringify({ before, after: { loaded: loaded(), global: process.pid in globalThis }, spki: ca.spkiSha256.length }));
    });`;
  const result = JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()) as Record<string, unknown>;
  expect(result).toEqual({ before: { loaded: false, global: false }, after: { loaded: true, global: true }, spki: 44 });
});
