#!/usr/bin/env node
'use strict';
/**
 * Checks what the npm tarball holds: exactly the release layout and nothing else.
 *
 *   dist/**                                the compiled library (CommonJS, ESM wrapper, types)
 *   bin/**                                 the CLI entry
 *   prebuilds/<platform>-<arch>/*.node     prebuilt addons
 *   native/*.cc|*.h, binding.gyp, CMakeLists.txt, scripts/fetch-{sources,zstd,libdeflate}.js
 *                                          the addon's sources, for a build where no prebuild fits
 *   deps/zstd/{LICENSE,COPYING,lib/...}    the zstd sources that build compiles in, so that a
 *                                          source build works offline
 *   deps/libdeflate/{COPYING,*.h,lib/...}  the same for libdeflate (no apt-get on install)
 *   package.json, README.md, LICENSE
 *
 * Usage:
 *   node scripts/pack-check.js              lists the files `npm pack` would include (dry run)
 *   node scripts/pack-check.js <file.tgz>   lists the files of a packed tarball
 * Options: --require-prebuild <platform-arch> (repeatable; default: this machine's platform-arch)
 * Exits 1 naming every unexpected or missing file; prints a one-line summary when all is well.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^binding\.gyp$/,
  /^CMakeLists\.txt$/,
  /^scripts\/fetch-(sources|zstd|libdeflate)\.js$/,
  /^dist\/.+/,
  /^bin\/[^/]+\.js$/,
  /^native\/[^/]+\.(cc|h)$/,
  /^prebuilds\/(linux|win32|darwin)-(x64|arm64)\/[a-z0-9_-]+(\.(glibc|musl|napi|node))*\.node$/,
  /^deps\/zstd\/(LICENSE|COPYING)$/,
  /^deps\/zstd\/lib\/[^/]+\.h$/,
  /^deps\/zstd\/lib\/(common|compress|decompress)\/[^/]+\.(c|h|S)$/,
  /^deps\/libdeflate\/(COPYING|libdeflate\.h|common_defs\.h)$/,
  /^deps\/libdeflate\/lib\/((arm|x86)\/)?[^/]+\.(c|h)$/,
];

const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'binding.gyp',
  'CMakeLists.txt',
  'scripts/fetch-sources.js',
  'scripts/fetch-zstd.js',
  'scripts/fetch-libdeflate.js',
  'dist/index.js',
  'dist/index.mjs',
  'dist/index.d.ts',
  'dist/crawlee/index.js',
  'dist/crawlee/index.mjs',
  'dist/crawlee/index.d.ts',
  'deps/zstd/LICENSE',
  'deps/zstd/lib/zstd.h',
  'deps/libdeflate/COPYING',
  'deps/libdeflate/libdeflate.h',
  'deps/libdeflate/lib/deflate_compress.c',
];

function parseArgs(argv) {
  const out = { tarball: undefined, prebuilds: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--require-prebuild') out.prebuilds.push(argv[++i]);
    else out.tarball = argv[i];
  }
  if (out.prebuilds.length === 0) out.prebuilds.push(`${process.platform}-${process.arch}`);
  return out;
}

/** Paths relative to the package root, from a tarball or from `npm pack --dry-run`. */
function listFiles(tarball) {
  if (tarball) {
    const names = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return names
      .split('\n')
      .filter((n) => n && !n.endsWith('/'))
      .map((n) => n.replace(/^package\//, ''));
  }
  // --ignore-scripts: no `prepare` rebuild; the check is about what is there now.
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(json)[0].files.map((f) => f.path);
}

/** Every file that package.json's main, exports and bin point at. */
function entryPoints(pkg) {
  const out = new Set();
  const add = (p) => typeof p === 'string' && out.add(path.posix.normalize(p));
  add(pkg.main);
  add(pkg.types);
  const walk = (v) => (typeof v === 'string' ? add(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
  walk(pkg.exports);
  walk(pkg.bin);
  return [...out];
}

function check(files, requiredPrebuilds) {
  const problems = [];
  const set = new Set(files);
  for (const f of files) if (!ALLOWED.some((re) => re.test(f))) problems.push(`unexpected file: ${f}`);
  for (const f of REQUIRED) if (!set.has(f)) problems.push(`missing file: ${f}`);
  if (!files.some((f) => /^native\/[^/]+\.cc$/.test(f))) problems.push('missing: native/*.cc sources');
  for (const tuple of requiredPrebuilds) {
    if (!files.some((f) => f.startsWith(`prebuilds/${tuple}/`) && f.endsWith('.node'))) {
      problems.push(`missing prebuild: prebuilds/${tuple}/*.node`);
    }
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const entry of entryPoints(pkg)) if (!set.has(entry)) problems.push(`package.json points at ${entry}, not in the tarball`);
  return problems;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const files = listFiles(args.tarball);
  const problems = check(files, args.prebuilds);
  if (problems.length > 0) {
    process.stderr.write(`pack-check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  const prebuilds = files.filter((f) => f.startsWith('prebuilds/'));
  process.stdout.write(`pack-check: ok, ${files.length} files; prebuilds: ${prebuilds.join(', ')}\n`);
}

main();
