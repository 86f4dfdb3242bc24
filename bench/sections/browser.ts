/**
 * Browser section. Debian's Chromium (playwright-core, .ci/apt/browser.txt)
 * loads the 50-subresource page of the browser test site
 * (test/helpers/browser-site.ts, in a child process; every resource no-store,
 * so each load fetches all 51) by IP literal over https, one load after
 * another in one tab, three ways in one run, rounds alternating: (a) through
 * the recording proxy (TLS intercepted, every exchange written, native
 * backend), (b) direct, (c) through the plain forward proxy (CONNECT tunnels,
 * nothing recorded). Each browser is launched and warmed up once; a round is
 * `loads` page loads, reported as pages/s, with (a) / (b) and (c) / (b).
 * Target: (a) / (b) >= 0.7.
 * Then leaf certificates/s: LeafIssuer issuing for hosts it has not seen (a
 * first visit), one at a time and 16 at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBackend } from '../../src/backend';
import { LeafIssuer, loadCertificateAuthority } from '../../src/certs';
import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { offlineDns, startBrowserSite } from '../../test/helpers/browser-site';
import { chromiumMissing, launchChromium, spkiSha256, type LaunchedChromium, type LaunchSettings } from '../../test/helpers/chromium';
import { alternatingRounds, rateRows } from '../stats';
import { metricOf, ratioOf, targetRow } from '../targets';
import type { BenchRow, BenchSection } from '../types';

const RECORDING = 'through the recording proxy (native)';
const DIRECT = 'direct';
const FORWARD = 'through the forward proxy (tunnels, not recording)';

interface Contender {
  label: string;
  browser: LaunchedChromium;
}

/** The browser site in a child process (this file run as a script); prints its IP origin and certificate. */
async function startSite(): Promise<{ origin: string; cert: string; resources: number; child: ChildProcess }> {
  // stdin stays open while we live: the child exits when it closes, even if we crash.
  const child = spawn(process.execPath, [__filename, '--serve-site'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`browser site child exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { origin: string; cert: string; resources: number }), child };
}

/** `loads` loads of `url` in one tab: pages/s. */
async function loadRate(contender: Contender, url: string, loads: number, resources: number): Promise<number> {
  const page = await contender.browser.newPage();
  try {
    let answered = 0;
    page.on('requestfinished', () => answered++);
    const start = process.hrtime.bigint();
    for (let i = 0; i < loads; i++) await page.goto(url, { waitUntil: 'load' });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const expected = loads * (resources + 1);
    if (answered !== expected) throw new Error(`${contender.label}: ${answered} requests finished of ${expected}`);
    return loads / seconds;
  } finally {
    await page.close();
  }
}

/** Leaf certificates/s for `hosts` never seen before, `parallel` issuances in flight. */
async function issuanceRate(issuer: LeafIssuer, prefix: string, hosts: number, parallel: number): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < hosts) await issuer.secureContext(`${prefix}-${next++}.bench.test`);
    }),
  );
  return hosts / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function leafRows(quick: boolean): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-leaf-'));
  try {
    const ca = await loadCertificateAuthority({ dir });
    const issuer = new LeafIssuer(ca);
    await issuer.secureContext('warm-up.bench.test'); // the one leaf key is made on first use
    const hosts = quick ? 200 : 1000;
    const rows: BenchRow[] = [];
    for (const parallel of [1, 16]) {
      const rate = await issuanceRate(issuer, `p${parallel}`, hosts, parallel);
      rows.push({ section: 'browser', case: `LeafIssuer first visit of a host, ${parallel} at once (${hosts} hosts)`, metrics: { 'certificates/s': rate } });
    }
    if (issuer.issued !== 2 * hosts + 1) throw new Error(`LeafIssuer issued ${issuer.issued} certificates for ${2 * hosts + 1} hosts`);
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const TARGET = 'Chromium recording proxy/direct pages/s';

/** The three ways of loading the page, side by side, and the target row. */
async function pageLoadRows(quick: boolean): Promise<BenchRow[]> {
  const loads = quick ? 5 : 20;
  const rounds = quick ? 3 : 7;
  const site = await startSite();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-browser-'));
  let recording: RecordingProxy | undefined;
  let forward: ForwardProxy | undefined;
  const contenders: Contender[] = [];
  const rows: BenchRow[] = [];
  try {
    recording = await createRecordingProxy({
      listen: '127.0.0.1:0',
      ca: { dir: path.join(dir, 'ca') },
      client: { writer: { directory: path.join(dir, 'warcs') }, tls: { ca: site.cert }, dialer: { dns: offlineDns(dir) }, backend: getBackend('native') },
    });
    forward = await createForwardProxy({ listen: '127.0.0.1:0' });
    const siteKey = spkiSha256(site.cert);
    const launches: Array<[string, LaunchSettings]> = [
      [RECORDING, { proxy: recording.url, trust: [recording.ca.spkiSha256] }],
      [DIRECT, { trust: [siteKey] }],
      [FORWARD, { proxy: forward.url, trust: [siteKey] }],
    ];
    for (const [label, settings] of launches) contenders.push({ label, browser: await launchChromium(settings) });
    const url = `${site.origin}/bench.html`;
    // Warm-up: the browsers' first connections, the proxies' first leaves and the JIT.
    for (const contender of contenders) await loadRate(contender, url, 2, site.resources);
    const samples = await alternatingRounds(contenders, rounds, (contender) => loadRate(contender, url, loads, site.resources));
    const caseOf = (label: string) => `Chromium ${label} (median of ${rounds}, ${loads} loads of 1 page + ${site.resources} resources)`;
    const labels = contenders.map((c) => c.label);
    rows.push(...rateRows('browser', labels, samples, { unit: 'pages/s', digits: 1, baseline: { label: DIRECT, name: 'direct' }, caseOf }));
    const pagesPerSecond = (label: string) => metricOf(rows, caseOf(label), 'pages/s');
    rows.push(targetRow('browser', TARGET, ratioOf(pagesPerSecond(RECORDING), pagesPerSecond(DIRECT)), '>=', 0.7));
  } finally {
    await Promise.all(contenders.map((c) => c.browser.close()));
    await recording?.close();
    await forward?.close();
    site.child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const run: BenchSection = async ({ quick }) => {
  const missing = chromiumMissing();
  const pageRows = missing ? [targetRow('browser', TARGET, undefined, '>=', 0.7, missing)] : await pageLoadRows(quick);
  return [...pageRows, ...(await leafRows(quick))];
};

if (require.main === module && process.argv.includes('--serve-site')) {
  process.stdin.on('end', () => process.exit(0)).resume();
  void startBrowserSite().then((site) =>
    process.stdout.write(`${JSON.stringify({ origin: site.ipOrigin, cert: site.certificate.cert, resources: site.benchResources })}\n`),
  );
}
