/**
 * What each committed Linux prebuild (x64 and arm64) needs from the host: only glibc (libc,
 * libm, libpthread, libdl, the loader) at symbol versions no newer than Node 20's own floor,
 * and nothing from libstdc++ or libgcc (linked in statically); zlib, OpenSSL and N-API symbols
 * resolved from the node binary (no second copy); zstd compiled in and hidden.
 * readelf, objdump and nm read an ELF file of any machine, so every host checks both files.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const PREBUILDS = path.resolve(__dirname, '../..', 'prebuilds');
const TARGETS = ['linux-x64', 'linux-arm64'];
// Node 20's official Linux binaries (x64 and arm64) need glibc 2.28: a prebuild must load wherever they run.
// Raise only on purpose: every step up drops distributions (docs/platforms.md).
const MAX_GLIBC = [2, 28];
const ALLOWED_NEEDED = /^(libc|libm|libpthread|libdl|ld-linux[-\w]*)\.so(\.\d+)*$/;

/** Every symbol version the dynamic symbol table asks for: GLIBC_2.14, GLIBCXX_3.4.29, … */
function symbolVersions(file: string): string[] {
  const table = execFileSync('objdump', ['-T', file], { encoding: 'utf8' });
  return [...table.matchAll(/\b(GLIBC|GLIBCXX|CXXABI|GCC)_[\d.]+/g)].map((m) => m[0]);
}

function dynamicSymbols(file: string, flag: '--undefined-only' | '--defined-only'): string[] {
  return execFileSync('nm', ['-D', flag, file], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((name) => name !== '');
}

const linuxOnly = process.platform === 'linux' ? describe : describe.skip;

linuxOnly.each(TARGETS)('prebuild ELF (%s)', (target) => {
  const prebuild = path.join(PREBUILDS, target, 'warcwire.glibc.node');

  test('needs only glibc (no libstdc++, libgcc_s, libz, libcrypto, libzstd)', () => {
    const needed = execFileSync('readelf', ['-d', prebuild], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('(NEEDED)'))
      .map((line) => /\[(.*)\]/.exec(line)![1]!);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((lib) => !ALLOWED_NEEDED.test(lib))).toEqual([]);
  });

  test(`highest GLIBC symbol version is at most ${MAX_GLIBC.join('.')}`, () => {
    const versions = symbolVersions(prebuild)
      .filter((v) => v.startsWith('GLIBC_'))
      .map((v) => v.slice('GLIBC_'.length).split('.').map(Number));
    expect(versions.length).toBeGreaterThan(0);
    const tooNew = versions.filter(([major = 0, minor = 0]) => major * 1000 + minor > MAX_GLIBC[0]! * 1000 + MAX_GLIBC[1]!);
    expect(tooNew.map((v) => `GLIBC_${v.join('.')}`)).toEqual([]);
  });

  test('no libstdc++ or libgcc symbol versions (GLIBCXX, CXXABI, GCC): both are linked in', () => {
    expect([...new Set(symbolVersions(prebuild).filter((v) => !v.startsWith('GLIBC_')))]).toEqual([]);
  });

  // The running node's exports stand for every arch's: Node-API, zlib and OpenSSL names do not vary.
  test('every strong undefined symbol is versioned (glibc) or exported by the node binary', () => {
    const strong = execFileSync('nm', ['-D', '--undefined-only', prebuild], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[0] === 'U' && cols[1] !== undefined && !cols[1].includes('@'))
      .map((cols) => cols[1]!);
    expect(strong.length).toBeGreaterThan(0);
    const fromNode = new Set(
      execFileSync('nm', ['-D', '--defined-only', process.execPath], { encoding: 'utf8', maxBuffer: 1 << 28 })
        .split('\n')
        .map((line) => line.trim().split(/\s+/).pop() ?? ''),
    );
    expect(strong.filter((sym) => !fromNode.has(sym))).toEqual([]);
  });

  test('zlib and OpenSSL come from node (undefined here), zstd is compiled in and not exported', () => {
    const undefinedSyms = new Set(dynamicSymbols(prebuild, '--undefined-only'));
    for (const sym of ['deflateInit2_', 'inflateInit2_', 'EVP_DigestInit_ex', 'EVP_MD_CTX_new', 'napi_create_buffer']) {
      expect(undefinedSyms.has(sym)).toBe(true);
    }
    const undefinedZstd = [...undefinedSyms].filter((s) => s.startsWith('ZSTD_'));
    expect(undefinedZstd).toEqual([]);
    const exported = dynamicSymbols(prebuild, '--defined-only');
    expect(exported).toContain('napi_register_module_v1');
    expect(exported.filter((s) => /ZSTD|HUF_|FSE_|XXH/.test(s))).toEqual([]);
  });
});
