/**
 * The packed layout: `warcwire` never loads Crawlee; `warcwire/crawlee` resolves
 * through package.json `exports` for require and import; the README's
 * "Use with Crawlee" example runs as written against a local page.
 * Needs `npm run build` (dist/crawlee).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
let work = '';
let app = '';

/** Runs node in the app dir; returns stdout (throws with stderr on failure). */
function node(args: string[]): string {
  const out = spawnSync(process.execPath, args, {
    cwd: app,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CRAWLEE_STORAGE_DIR: join(work, 'storage'), CRAWLEE_PERSIST_STORAGE: 'false', WARCWIRE_BACKEND: process.env.WARCWIRE_BACKEND ?? 'native' },
  });
  if (out.status !== 0) throw new Error(`node ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return out.stdout;
}

const CRAWLEE_IN_CACHE = `Object.keys(require.cache).filter((p) => /[\\\\/]node_modules[\\\\/](crawlee|@crawlee)[\\\\/]/.test(p)).length`;

beforeAll(() => {
  for (const f of ['dist/crawlee/index.js', 'dist/crawlee/index.mjs', 'dist/crawlee/index.d.ts']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  work = mkdtempSync(join(tmpdir(), 'warcwire-crawlee-pack-'));
  // --ignore-scripts: `prepare` would rebuild dist/ while other suites may be reading it.
  const packed = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const tarball = join(work, (JSON.parse(packed) as Array<{ filename: string }>)[0]!.filename);
  app = join(work, 'app');
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, 'warcwire'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(modules, 'warcwire'), '--strip-components=1']);
  // The dependencies (crawlee among them) as the repository installed them.
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name === 'warcwire' || name.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it("require('warcwire') loads no part of Crawlee", () => {
  expect(node(['-e', `require('warcwire'); process.stdout.write(String(${CRAWLEE_IN_CACHE}))`])).toBe('0');
});

it("require('warcwire/crawlee') gives WarcHttpClient, still without loading Crawlee", () => {
  const out = node(['-e', `const m = require('warcwire/crawlee'); process.stdout.write(typeof m.WarcHttpClient + ' ' + typeof m.CrawleeAdapterError + ' ' + ${CRAWLEE_IN_CACHE})`]);
  expect(out).toBe('function function 0');
});

it("import from 'warcwire/crawlee' works, and the README's usage crawls a page with CheerioCrawler", () => {
  const script = `
import { createServer } from 'node:http';
import { readdirSync } from 'node:fs';
import { CheerioCrawler } from 'crawlee';
import { WarcClient } from 'warcwire';
import { WarcHttpClient } from 'warcwire/crawlee';

const server = createServer((req, res) => { res.setHeader('Content-Type', 'text/html'); res.end('<title>t</title><a href="/b">b</a>'); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const titles = [];
const requestHandler = async ({ $, enqueueLinks }) => { titles.push($('title').text()); await enqueueLinks(); };

const warc = await WarcClient.create({ writer: { directory: 'warcs' } });
const crawler = new CheerioCrawler({ httpClient: new WarcHttpClient(warc), requestHandler });
await crawler.run(['http://127.0.0.1:' + server.address().port + '/']);
await warc.close();

server.close();
console.log(JSON.stringify({ titles, files: readdirSync('warcs'), pairs: warc.stats }));
`;
  writeFileSync(join(app, 'usage.mjs'), script);
  const lines = node(['usage.mjs']).trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]!) as { titles: string[]; files: string[] };
  expect(result.titles).toEqual(['t', 't']);
  expect(result.files.length).toBe(1);
  expect(result.files[0]).toMatch(/\.warc\.gz$/);
  expect(existsSync(join(app, 'storage'))).toBe(false);
}, 60_000);
