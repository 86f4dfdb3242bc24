/**
 * The Chromium command line `warcwire record-proxy` prints, run as a user
 * would paste it (plus the headless switches of test/helpers/chromium.ts and
 * --dump-dom), against a site on this machine — the first thing a newcomer
 * tries: the page is loaded through the proxy, trusted by the printed SPKI
 * hash, and recorded. Needs `npm run build` (dist/).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHROMIUM_FLAGS } from '../helpers/chromium';
import { startHttps, type Running } from '../helpers/client-servers';
import { describeWithChromium } from '../helpers/describe-with-chromium';
import { startRecordProxyCli } from '../helpers/record-proxy-cli';
import { warcioRead } from '../helpers/warc-tools';

const run = promisify(execFile);
const PAGE = '<!doctype html><html><head><title>local page</title><link rel="icon" href="data:,"></head><body><p>served on this machine</p></body></html>';

describeWithChromium('the Chromium line record-proxy prints', () => {
  let origin: Running;
  let dir: string;

  beforeAll(async () => {
    origin = await startHttps((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    dir = mkdtempSync(join(tmpdir(), 'warcwire-browser-cli-'));
  });

  afterAll(async () => {
    await origin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('records a page served on 127.0.0.1 (Chromium would send loopback around the proxy)', async () => {
    const out = join(dir, 'warcs');
    // --dns-server on a closed port: Chromium's own service requests come through the proxy too and must fail offline.
    const proxy = startRecordProxyCli(['--listen', '127.0.0.1:0', '-o', out, '--ca-dir', join(dir, 'ca'), '--insecure', '--dns-server', '127.0.0.1:9', '--quiet']);
    const url = `https://127.0.0.1:${origin.port}/page`;
    let dom: string;
    try {
      const { example } = await proxy.banner;
      const profiles = join(dir, 'profiles');
      mkdirSync(profiles);
      // As pasted into a shell; $(mktemp -d) makes the profile under TMPDIR, removed with the test's directory.
      const line = `${example} ${[...CHROMIUM_FLAGS, "'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'", '--dump-dom', url].join(' ')}`;
      dom = (await run('sh', ['-c', line], { env: { ...process.env, TMPDIR: profiles }, timeout: 30_000 })).stdout;
    } finally {
      proxy.child.kill('SIGINT');
      await proxy.exit;
    }
    expect(dom).toContain('served on this machine');
    const responses = readdirSync(out)
      .flatMap((f) => warcioRead(join(out, f)))
      .filter((r) => r.type === 'response');
    expect(responses.map((r) => r.targetUri)).toContain(url);
  }, 60_000);
});
