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
