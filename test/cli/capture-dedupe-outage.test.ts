/**
 * `warcwire capture --dedupe cdx:URL` against a CDX server that fails twice during the
 * run (500s) and recovers in between: stderr says so once per outage, and once per
 * recovery, never once per URL; every URL is still stored in full.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import capture from '../../src/cli/commands/capture';
import { captureIO } from '../helpers/cli-io';
import { startHttp } from '../helpers/client-servers';
import { payload } from '../helpers/dedupe-candidates';

jest.setTimeout(30000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-capture-dedupe-outage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('two CDX outages: two warnings, two recoveries, every URL stored in full', async () => {
  const origin = await startHttp((req, res) => res.end(payload(5000, req.url ?? '')));
  // Lookups 6–15 and 21–25 fail (the HEAD of the start-up check is not a lookup).
  let lookups = 0;
  const cdx = await startHttp((req, res) => {
    if (req.method !== 'GET') return void res.end();
    lookups++;
    const down = (lookups >= 6 && lookups <= 15) || (lookups >= 21 && lookups <= 25);
    if (down) res.writeHead(500).end('down');
    else res.end('');
  });
  try {
    const urls = Array.from({ length: 30 }, (_, i) => `${origin.url}/page/${i}`);
    const t = captureIO();
    const code = await capture.run([...urls, '-o', dir, '--concurrency', '1', '--dedupe', `cdx:${cdx.url}`], t.io);
    expect(code).toBe(0);
    expect(lookups).toBe(30);
    const dedupeLines = t
      .err()
      .split('\n')
      .filter((line) => /dedupe/.test(line));
    expect(dedupeLines).toEqual([
      expect.stringMatching(/^warning: dedupe degraded: cdx lookup failed \(CDX server answered 500 .*\); full records will be stored while it fails$/),
      'dedupe recovered: cdx answers again after 10 failed lookups',
      expect.stringMatching(/^warning: dedupe degraded: cdx lookup failed/),
      'dedupe recovered: cdx answers again after 5 failed lookups',
    ]);
    expect(t.out()).toMatch(/dedupe: 0 revisits.* 15 lookup errors/);
    expect(t.out()).toMatch(/^records: 60 \(30 pairs, 0 truncated\)$/m);
  } finally {
    await origin.close();
    await cdx.close();
  }
});
