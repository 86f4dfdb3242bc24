/**
 * The native loader: which addon file it picks (build/Release first, then prebuilds/),
 * that the committed prebuild works when build/ is absent, and the typed error when
 * there is no addon at all.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTsChild } from '../helpers/backend-child';

const ROOT = path.resolve(__dirname, '../..');
const PREBUILD = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, 'warcwire.glibc.node');
const GYP_BUILD = path.join(ROOT, 'build', 'Release', 'warcwire.node');
const CHILD = path.join(__dirname, 'children', 'load-native.ts');
const EMPTY_SHA1 = 'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ';

interface LoadReport {
  loaded?: string;
  name?: string;
  empty?: string;
  error?: { name?: string; code?: string; message?: string };
}

async function loadInChild(env: Record<string, string>): Promise<LoadReport> {
  const result = await runTsChild(CHILD, { env });
  if (result.status !== 0) throw new Error(`child exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as LoadReport;
}

let tempDir: string;
beforeEach(() => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-test-loader-'));
});
afterEach(() => fs.rmSync(tempDir, { recursive: true, force: true }));

describe('native loader', () => {
  test('the committed prebuild exists for this platform', () => {
    expect(fs.statSync(PREBUILD).isFile()).toBe(true);
  });

  test('PREBUILDS_ONLY=1: loads prebuilds/<platform>-<arch>/warcwire.glibc.node, and it works', async () => {
    const report = await loadInChild({ PREBUILDS_ONLY: '1', WARCWIRE_BACKEND: 'native' });
    expect(report.error).toBeUndefined();
    expect(report.loaded).toBe(PREBUILD);
    expect(report.name).toBe('native');
    expect(report.empty).toBe(EMPTY_SHA1);
  });

  test('by default build/Release wins when it holds an addon, else the prebuild is used', async () => {
    const report = await loadInChild({ WARCWIRE_BACKEND: 'native' });
    expect(report.error).toBeUndefined();
    expect(report.loaded).toBe(fs.existsSync(GYP_BUILD) ? GYP_BUILD : PREBUILD);
    expect(report.empty).toBe(EMPTY_SHA1);
  });

  test('an installed package with prebuilds/ and no build/ loads the prebuild (no compiler involved)', () => {
    const pkg = path.join(tempDir, 'warcwire');
    const target = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(PREBUILD, path.join(target, 'warcwire.glibc.node'));
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'warcwire', version: '0.0.0' }));
    const script = `
      const load = require(${JSON.stringify(require.resolve('node-gyp-build'))});
      const file = load.resolve(process.argv[1]);
      const addon = load(process.argv[1]);
      process.stdout.write(JSON.stringify({ file, label: new addon.Digest('sha1').label() }));`;
    const result = spawnSync(process.execPath, ['-e', script, pkg], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { file: string; label: string };
    expect(fs.realpathSync(report.file)).toBe(fs.realpathSync(path.join(target, 'warcwire.glibc.node')));
    expect(report.label).toBe(EMPTY_SHA1);
    expect(fs.existsSync(path.join(pkg, 'build'))).toBe(false);
  });

  test('an addon built from older sources (a class missing): ERR_BACKEND_UNAVAILABLE naming it and the fix, not a TypeError mid-capture', async () => {
    // Stands in for a stale build/ or prebuild: every class this package calls but CaptureBlock.
    const stale = path.join(tempDir, 'stale-addon.js');
    fs.writeFileSync(stale, `class C {}\nmodule.exports = { Digest: C, MemberEncoder: C, MemberDecoder: C, Spool: C, RecordSink: C, zstdVersion: '1.5.7' };\n`);
    const report = await loadInChild({ WARCWIRE_ADDON: stale });
    expect(report.loaded).toBeUndefined();
    expect(report.error?.name).toBe('BackendError');
    expect(report.error?.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(report.error?.message).toContain('no CaptureBlock');
    expect(report.error?.message).toContain('npm run build:native');
  });

  test('no addon anywhere: ERR_BACKEND_UNAVAILABLE naming the fix', async () => {
    // A copy of the loader in a package root that has neither build/ nor prebuilds/.
    for (const file of ['src/errors.ts', 'src/backend/errors.ts', 'src/backend/types.ts', 'src/backend/native.ts', 'src/backend/arguments.ts']) {
      fs.mkdirSync(path.dirname(path.join(tempDir, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(tempDir, file));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tempDir, 'node_modules'));
    fs.writeFileSync(path.join(tempDir, 'package.json'), JSON.stringify({ name: 'warcwire', version: '0.0.0' }));
    const report = await loadInChild({ WARCWIRE_NATIVE_MODULE: path.join(tempDir, 'src/backend/native') });
    expect(report.loaded).toBeUndefined();
    expect(report.error?.name).toBe('BackendError');
    expect(report.error?.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(report.error?.message).toContain('npm run build:native');
    expect(report.error?.message).toContain(`${process.platform}-${process.arch}`);
  });
  test('WARCWIRE_BACKEND=native without an addon: the selection error says each way out once', async () => {
    // A copy of the whole backend layer in a package root that has neither build/ nor prebuilds/.
    fs.mkdirSync(path.join(tempDir, 'src'));
    // The backend layer and what it stands on (errors, defaults, digest labels).
    for (const file of ['src/errors.ts', 'src/defaults.ts']) fs.copyFileSync(path.join(ROOT, file), path.join(tempDir, file));
    for (const dir of ['src/backend', 'src/digest']) fs.cpSync(path.join(ROOT, dir), path.join(tempDir, dir), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tempDir, 'node_modules'));
    fs.writeFileSync(path.join(tempDir, 'package.json'), JSON.stringify({ name: 'warcwire', version: '0.0.0' }));
    const child = path.join(tempDir, 'select-native.ts');
    fs.writeFileSync(
      child,
      `const { loadBackend } = require('./src/backend/index');
try {
  process.stdout.write(JSON.stringify({ name: loadBackend().name }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message, cause: e.cause && e.cause.code } }));
}
`,
    );
    const result = await runTsChild(child, { env: { WARCWIRE_BACKEND: 'native' } });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { name?: string; error?: { name?: string; code?: string; message?: string; cause?: string } };
    expect(report.name).toBeUndefined();
    expect(report.error?.name).toBe('BackendError');
    expect(report.error?.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(report.error?.cause).toBe('ERR_BACKEND_UNAVAILABLE'); // the loader's own error is kept as the cause
    const message = report.error?.message ?? '';
    const count = (needle: string): number => message.split(needle).length - 1;
    expect(message).toContain(`${process.platform}-${process.arch}`);
    expect(count('cannot be loaded')).toBe(1);
    expect(count('npm run build:native')).toBe(1);
    expect(count('WARCWIRE_BACKEND=js')).toBe(1);
  });
});
