/**
 * The npm tarball, installed the way a user installs it, on a PATH where no compiler, make or
 * python can be found: it must install offline, compile nothing, and load the prebuilt addon.
 * Needs `npm run build` (scripts/test.sh does it) and this platform's prebuild in prebuilds/.
 *
 * The sandbox installs with `npm ci --offline` from a lockfile made from the repository's own
 * (test/helpers/release-sandbox-app.ts), in the npm cache the repository's `npm ci` filled:
 * only those dependency tarballs are used, no registry metadata, nothing from the network.
 * So it passes in a fresh clone with an empty cache (`npm_config_cache=$(mktemp -d) bash .ci/run`).
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSandboxApp } from '../helpers/release-sandbox-app';

const root = path.resolve(__dirname, '..', '..');
const tuple = `${process.platform}-${process.arch}`;
const BUILD_TOOLS = ['cc', 'c++', 'gcc', 'g++', 'clang', 'make', 'cmake', 'python', 'python3'];

let work = '';
let binDir = '';
let app = '';
let tarball = '';
let npmCache = '';
let registry = '';
let install: SpawnSyncReturns<string>;

/**
 * Only HOME (for ~/.npmrc), TMPDIR, the sandbox PATH and the npm cache the repository's
 * `npm ci` used (named explicitly: it need not be ~/.npm): nothing else from npm run.
 */
function sandboxEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: os.homedir(), TMPDIR: os.tmpdir(), PATH: binDir, npm_config_cache: npmCache, ...extra };
}

/** npm's effective setting, read with this process's environment (as `npm ci` here saw it). */
function npmConfig(key: string): string {
  return execFileSync('npm', ['config', 'get', key], { cwd: root, encoding: 'utf8' }).trim();
}

/** A new project depending only on `pkg`, installed offline from its generated lockfile. */
function installInSandbox(dir: string, pkg: string): SpawnSyncReturns<string> {
  fs.mkdirSync(dir);
  writeSandboxApp(root, dir, pkg, registry);
  return run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir);
}

function run(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: sandboxEnv(extra), encoding: 'utf8', timeout: 60_000 });
}

beforeAll(() => {
  for (const f of ['dist/index.js', 'dist/index.mjs']) {
    if (!fs.existsSync(path.join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-release-'));
  // --ignore-scripts: `prepare` would rebuild dist/ while other suites may be reading it.
  const packed = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  tarball = path.join(work, (JSON.parse(packed) as Array<{ filename: string }>)[0].filename);
  npmCache = npmConfig('cache');
  registry = npmConfig('registry');

  // A PATH holding node, npm and sh (to run package scripts) and nothing else.
  binDir = path.join(work, 'bin');
  fs.mkdirSync(binDir);
  const npmCli = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(process.execPath, path.join(binDir, 'node'));
  fs.symlinkSync(npmCli, path.join(binDir, 'npm'));
  fs.symlinkSync('/bin/sh', path.join(binDir, 'sh'));

  app = path.join(work, 'app');
  install = installInSandbox(app, tarball);
}, 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('npm tarball installed without a compiler', () => {
  test('the tarball holds exactly the release layout', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/pack-check.js'), tarball], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('no build tool is reachable on the sandbox PATH', () => {
    for (const tool of BUILD_TOOLS) {
      const r = run('sh', ['-c', `command -v ${tool}`], app);
      expect({ tool, found: r.stdout.trim() }).toEqual({ tool, found: '' });
    }
  });

  test('the sandbox really cannot compile: without the prebuild the same tarball fails to install', () => {
    // Same package minus prebuilds/<this platform>: the install script (node-gyp-build) then
    // falls back to node-gyp, which must fail for want of python/make/a compiler.
    const unpacked = path.join(work, 'no-prebuild');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    fs.rmSync(path.join(unpacked, 'package', 'prebuilds', tuple), { recursive: true, force: true });
    const stripped = path.join(work, 'no-prebuild.tgz');
    execFileSync('tar', ['-czf', stripped, '-C', unpacked, 'package']);
    const other = path.join(work, 'app-no-prebuild');
    const r = installInSandbox(other, stripped);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/gyp/);
    expect(fs.existsSync(path.join(other, 'node_modules', 'warcwire', 'build', 'Release'))).toBe(false);
  });

  test('installs offline and compiles nothing', () => {
    expect({ status: install.status, stderr: install.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const pkg = path.join(app, 'node_modules', 'warcwire');
    expect(fs.existsSync(path.join(pkg, 'package.json'))).toBe(true);
    // node-gyp would have left build/ (and object files); a prebuild leaves nothing.
    expect(fs.existsSync(path.join(pkg, 'build'))).toBe(false);
    expect(fs.readdirSync(path.join(pkg, 'prebuilds', tuple)).filter((f) => f.endsWith('.node')).length).toBeGreaterThan(0);
  });

  test('loads the prebuilt addon and every backend primitive works', () => {
    const out = path.join(work, 'smoke');
    const smoke = run(
      'node',
      [path.join(root, 'scripts/cross/backend-smoke.js'), path.join(app, 'node_modules', 'warcwire'), out],
      app,
      { WARCWIRE_BACKEND: 'native', SMOKE_REQUIRE_ZSTD: '1' },
    );
    expect({ status: smoke.status, stderr: smoke.stderr }).toEqual({ status: 0, stderr: '' });
    const summary = JSON.parse(smoke.stdout) as { backend: string; addon: string | null };
    expect(summary.backend).toBe('native');
    expect(summary.addon).toMatch(new RegExp(`^prebuilds/${tuple}/[^/]+\\.node$`));
    // Independent decoders (host gzip and zstd CLIs) check the bytes the addon wrote.
    const check = spawnSync('bash', [path.join(root, 'scripts/cross/check-smoke-output.sh'), out], { encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('captures one exchange through WarcClient with the prebuilt addon', () => {
    const out = path.join(work, 'capture');
    const r = run('node', [path.join(root, 'scripts/cross/capture-smoke.js'), path.join(app, 'node_modules', 'warcwire'), out], app, {
      WARCWIRE_BACKEND: 'native',
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const summary = JSON.parse(r.stdout) as { backend: string; status: number; bodyLength: number; files: string[] };
    expect(summary).toMatchObject({ backend: 'native', status: 200, bodyLength: 150_000 });
    expect(summary.files).toHaveLength(1);
    expect(summary.files[0]).toMatch(/\.warc\.gz$/);
    // The host's gzip, not warcwire, reads the file back.
    const warc = path.join(out, summary.files[0] as string);
    const text = execFileSync('gzip', ['-dc', warc], { encoding: 'latin1', maxBuffer: 16 << 20 });
    const types = [...text.matchAll(/^WARC-Type: (\S+)\r$/gm)].map((m) => m[1]);
    expect(types).toEqual(['warcinfo', 'response', 'request']);
    expect(text).toContain('warcwire release smoke warcwire release smoke');
    expect(text).toMatch(/^WARC-Payload-Digest: sha1:[A-Z2-7]{32}\r$/m);
    // The installed CLI (node_modules/.bin/warcwire) verifies the same file.
    const cli = run(path.join(app, 'node_modules', '.bin', 'warcwire'), ['check', warc], app);
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('the installed CLI makes a CA (pkijs, loaded on first use, resolves from the install), and openssl reads it', () => {
    const dir = path.join(work, 'ca');
    const r = run(path.join(app, 'node_modules', '.bin', 'warcwire'), ['ca', '--ca-dir', dir, '--json'], app);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const ca = JSON.parse(r.stdout) as { certFile: string; keyFile: string; spkiSha256: string; created: boolean };
    expect(ca).toMatchObject({ certFile: path.join(dir, 'warcwire-ca.pem'), created: true });
    expect(fs.statSync(ca.keyFile).mode & 0o777).toBe(0o600);
    // The host's openssl, not warcwire, reads the certificate and computes the SPKI hash.
    const text = execFileSync('openssl', ['x509', '-in', ca.certFile, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/CA:TRUE/);
    const der = execFileSync('openssl', ['x509', '-in', ca.certFile, '-noout', '-pubkey']);
    const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: der });
    expect(createHash('sha256').update(spki).digest('base64')).toBe(ca.spkiSha256);
  });

  test('the public entry points load from the installed package (CommonJS and ESM)', () => {
    const cjs = run('node', ['-e', "const w = require('warcwire'); process.stdout.write(typeof w.WarcwireError)"], app);
    expect({ status: cjs.status, out: cjs.stdout, err: cjs.stderr }).toEqual({ status: 0, out: 'function', err: '' });
    const esm = run(
      'node',
      ['--input-type=module', '-e', "import { WarcwireError } from 'warcwire'; process.stdout.write(typeof WarcwireError)"],
      app,
    );
    expect({ status: esm.status, out: esm.stdout, err: esm.stderr }).toEqual({ status: 0, out: 'function', err: '' });
  });
});
