/**
 * What the committed prebuild needs from the host: only libc, libm, libstdc++, libgcc;
 * zlib, OpenSSL and N-API symbols resolved from the node binary (no second copy);
 * zstd compiled in and hidden; a bounded glibc symbol version.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const PREBUILD = path.resolve(__dirname, '../..', 'prebuilds', `${process.platform}-${process.arch}`, 'warcwire.glibc.node');
// Raise only on purpose: every step up drops older distributions (see the native build notes).
const MAX_GLIBC = [2, 32];
// GCC 11's libstdc++ (Debian 12, Ubuntu 22.04, RHEL 9); the prebuild's real floor.
const MAX_GLIBCXX = 29;
const ALLOWED_NEEDED = /^(libc|libm|libstdc\+\+|libgcc_s|ld-linux[-\w]*)\.so(\.\d+)*$/;

function dynamicSymbols(flag: '--undefined-only' | '--defined-only'): string[] {
  return execFileSync('nm', ['-D', flag, PREBUILD], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((name) => name !== '');
}

const linuxOnly = process.platform === 'linux' ? describe : describe.skip;

linuxOnly('prebuild ELF', () => {
  test('needs only libc/libm/libstdc++/libgcc (no libz, libcrypto, libzstd)', () => {
    const needed = execFileSync('readelf', ['-d', PREBUILD], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('(NEEDED)'))
      .map((line) => /\[(.*)\]/.exec(line)![1]!);
    expect(needed.length).toBeGreaterThan(0);
    for (const lib of needed) expect(lib).toMatch(ALLOWED_NEEDED);
  });

  test(`highest GLIBC symbol version is at most ${MAX_GLIBC.join('.')}`, () => {
    const versions = [...execFileSync('objdump', ['-T', PREBUILD], { encoding: 'utf8' }).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map(
      (m) => [Number(m[1]), Number(m[2])] as const,
    );
    expect(versions.length).toBeGreaterThan(0);
    const highest = versions.reduce((a, b) => (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]) ? a : b));
    expect(highest[0] * 1000 + highest[1]).toBeLessThanOrEqual(MAX_GLIBC[0]! * 1000 + MAX_GLIBC[1]!);
  });

  test(`highest GLIBCXX symbol version is at most 3.4.${MAX_GLIBCXX}`, () => {
    const minors = [...execFileSync('objdump', ['-T', PREBUILD], { encoding: 'utf8' }).matchAll(/GLIBCXX_3\.4\.(\d+)/g)].map((m) => Number(m[1]));
    expect(minors.length).toBeGreaterThan(0);
    expect(Math.max(...minors)).toBeLessThanOrEqual(MAX_GLIBCXX);
  });

  test('every strong undefined symbol is versioned (libc/libstdc++) or exported by the node binary', () => {
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
