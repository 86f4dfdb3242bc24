/**
 * What the committed prebuild needs from the host: only glibc (libc, libm, libpthread, libdl,
 * the loader) at symbol versions no newer than Node 20's own floor, and nothing from libstdc++
 * or libgcc (linked in statically); zlib, OpenSSL and N-API symbols resolved from the node
 * binary (no second copy); zstd compiled in and hidden.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const PREBUILD = path.resolve(__dirname, '../..', 'prebuilds', `${process.platform}-${process.arch}`, 'warcwire.glibc.node');
// Node 20's official Linux binaries need glibc 2.28: the prebuild must load wherever they run.
// Raise only on purpose: every step up drops distributions (docs/platforms.md).
const MAX_GLIBC = [2, 28];
const ALLOWED_NEEDED = /^(libc|libm|libpthread|libdl|ld-linux[-\w]*)\.so(\.\d+)*$/;

/** Every symbol version the dynamic symbol table asks for: GLIBC_2.14, GLIBCXX_3.4.29, … */
function symbolVersions(): string[] {
  const table = execFileSync('objdump', ['-T', PREBUILD], { encoding: 'utf8' });
  return [...table.matchAll(/\b(GLIBC|GLIBCXX|CXXABI|GCC)_[\d.]+/g)].map((m) => m[0]);
}

function dynamicSymbols(flag: '--undefined-only' | '--defined-only'): string[] {
  return execFileSync('nm', ['-D', flag, PREBUILD], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((name) => name !== '');
}

const linuxOnly = process.platform === 'linux' ? describe : describe.skip;

linuxOnly('prebuild ELF', () => {
  test('needs only glibc (no libstdc++, libgcc_s, libz, libcrypto, libzstd)', () => {
    const needed = execFileSync('readelf', ['-d', PREBUILD], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('(NEEDED)'))
      .map((line) => /\[(.*)\]/.exec(line)![1]!);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((lib) => !ALLOWED_NEEDED.test(lib))).toEqual([]);
  });

  test(`highest GLIBC symbol version is at most ${MAX_GLIBC.join('.')}`, () => {
    const versions = symbolVersions()
      .filter((v) => v.startsWith('GLIBC_'))
      .map((v) => v.slice('GLIBC_'.length).split('.').map(Number));
    expect(versions.length).toBeGreaterThan(0);
    const tooNew = versions.filter(([major = 0, minor = 0]) => major * 1000 + minor > MAX_GLIBC[0]! * 1000 + MAX_GLIBC[1]!);
    expect(tooNew.map((v) => `GLIBC_${v.join('.')}`)).toEqual([]);
  });

  test('no libstdc++ or libgcc symbol versions (GLIBCXX, CXXABI, GCC): both are linked in', () => {
    expect([...new Set(symbolVersions().filter((v) => !v.startsWith('GLIBC_')))]).toEqual([]);
  });

  test('every strong undefined symbol is versioned (glibc) or exported by the node binary', () => {
    const strong = execFileSync('nm', ['-D', '--undefined-only', PREBUILD], { encoding: 'utf8' })
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
    const undefinedSyms = new Set(dynamicSymbols('--undefined-only'));
    for (const sym of ['deflateInit2_', 'inflateInit2_', 'EVP_DigestInit_ex', 'EVP_MD_CTX_new', 'napi_create_buffer']) {
      expect(undefinedSyms.has(sym)).toBe(true);
    }
    const undefinedZstd = [...undefinedSyms].filter((s) => s.startsWith('ZSTD_'));
    expect(undefinedZstd).toEqual([]);
    const exported = dynamicSymbols('--defined-only');
    expect(exported).toContain('napi_register_module_v1');
    expect(exported.filter((s) => /ZSTD|HUF_|FSE_|XXH/.test(s))).toEqual([]);
  });
});
