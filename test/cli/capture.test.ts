import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import capture from '../../src/cli/commands/capture';
import demo from '../../src/cli/commands/demo';
import { startFaulty } from '../helpers/client-faulty';
import { captureIO } from '../helpers/cli-io';
import { startHttp } from '../helpers/client-servers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('warcwire demo captures the built-in site over http and https and checks it', async () => {
  const t = captureIO();
  const code = await demo.run(['-o', dir], t.io);
  expect(t.err()).toBe('');
  expect(code).toBe(0);
  expect(t.out()).toMatch(/demo check passed/);
  expect(t.out()).toMatch(/protocols seen: http\/1\.1, tls\/1\.3/);
  // The revisit count is not attributed to /same/a and /same/b alone: each revisit is named.
  const m = /revisit records \(payload already archived under another URL\): (\d+)\n((?:  \S+\n)*)/.exec(t.out());
  expect(m).not.toBeNull();
  const named = m![2]!.trim().split('\n').map((l) => l.trim());
  expect(named).toHaveLength(Number(m![1]));
  expect(named.some((u) => /^http:.*\/same\/b$/.test(u))).toBe(true);
  expect(named.some((u) => /^https:.*\/large\.bin$/.test(u))).toBe(true);
  expect(readdirSync(dir).filter((f) => f.endsWith('.warc.gz')).length).toBeGreaterThan(0);
}, 60_000);

test('warcwire capture: URLs and --input, summary, exit 1 naming each failed URL', async () => {
  const server = await startHttp((req, res) => res.end(`page ${req.url}`));
  const faulty = await startFaulty();
  try {
    const list = join(dir, 'urls.txt');
    writeFileSync(list, `# a comment\n${server.url}/two\n\n${faulty.url}/bad-status\n`);
    const t = captureIO();
    const code = await capture.run([`${server.url}/one`, '--input', list, '-o', dir, '--prefix', 'T', '--digest', 'sha256', '--concurrency', '2'], t.io);
    expect(code).toBe(1);
    expect(t.out()).toMatch(/requests: 3 \(2 ok, 1 failed\)/);
    expect(t.out()).toMatch(/records: 4 \(2 pairs, 0 truncated\)/);
    expect(t.err()).toContain(`${faulty.url}/bad-status`);
    expect(readdirSync(dir).filter((f) => /^T-.*\.warc\.gz$/.test(f))).toHaveLength(1);

    const ok = captureIO();
    expect(await capture.run([`${server.url}/three`, '-o', join(dir, 'new', 'sub')], ok.io)).toBe(0);
    expect(ok.out()).toMatch(/requests: 1 \(1 ok, 0 failed\)/);
    expect(readdirSync(join(dir, 'new', 'sub')).filter((f) => f.endsWith('.warc.gz'))).toHaveLength(1);
    await expect(capture.run([], captureIO().io)).rejects.toMatchObject({ code: 'ERR_USAGE' });
    const ftp = captureIO();
    expect(await capture.run(['ftp://x/'], ftp.io)).toBe(2);
    expect(ftp.err()).toMatch(/argument 1: only http and https URLs/);
  } finally {
    await server.close();
    await faulty.close();
  }
});
