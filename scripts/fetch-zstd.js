#!/usr/bin/env node
'use strict';
/**
 * Makes upstream zstd 1.5.7 sources available in deps/zstd/ for the native build.
 *
 * The sources are never committed: they come from the `deps/zstd` folder of the
 * pinned npm tarball zstd-napi@0.0.13, fetched with `npm pack --ignore-scripts`
 * (so none of its scripts run) and checked against its pinned sha512 integrity.
 * When deps/zstd/lib/zstd.h already exists (a previous fetch, or a published
 * warcwire tarball that carries the sources) nothing is fetched: offline builds work.
 *
 * Usage (scripts/fetch-sources.js): node scripts/fetch-zstd.js [--sources | --dir]
 *   --dir prints the absolute deps/zstd/lib path.
 * Progress goes to stderr so stdout stays machine-readable.
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { fail, moveIntoPlace, runFetchCommand, withWorkDir } = require('./fetch-sources');

const PACKAGE = 'zstd-napi@0.0.13';
const INTEGRITY =
  'sha512-ErGF+Ko1PsbooU6oC/sc/diiWKwVa0kd/5AkFSs7kg5kwcEuOtSzOy3xUOadXQlAVNab9TxsxaUk3hOq3cj/lA==';

const root = path.resolve(__dirname, '..');
const depsDir = path.join(root, 'deps');
const zstdDir = path.join(depsDir, 'zstd');
const libDir = path.join(zstdDir, 'lib');

/** Runs npm pack through the npm that launched us when there is one (npm install / npm run). */
function npmPack(destination) {
  const execPath = process.env.npm_execpath;
  const [cmd, args] =
    execPath && /\.c?js$/.test(execPath)
      ? [process.execPath, [execPath]]
      : ['npm', []];
  const out = execFileSync(
    cmd,
    [...args, 'pack', PACKAGE, '--ignore-scripts', '--json', '--pack-destination', destination],
    { cwd: destination, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const info = JSON.parse(out);
  const filename = Array.isArray(info) && info[0] && info[0].filename;
  if (typeof filename !== 'string') fail(`npm pack ${PACKAGE} printed no tarball name`);
  return path.join(destination, filename);
}

function checkIntegrity(tarball) {
  const [algorithm, expected] = INTEGRITY.split(/-(.*)/s);
  const actual = crypto.createHash(algorithm).update(fs.readFileSync(tarball)).digest('base64');
  if (actual !== expected) {
    fail(`${path.basename(tarball)} does not match the pinned integrity ${INTEGRITY} (got ${algorithm}-${actual})`);
  }
}

function fetchSources(log) {
  withWorkDir(depsDir, '.fetch-zstd-', (work) => {
    log(`fetching ${PACKAGE} from the npm registry (npm pack, no scripts run)`);
    const tarball = npmPack(work);
    checkIntegrity(tarball);
    execFileSync(
      'tar',
      ['-xzf', tarball, '-C', work, 'package/deps/zstd/lib', 'package/deps/zstd/LICENSE', 'package/deps/zstd/COPYING'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const extracted = path.join(work, 'package', 'deps', 'zstd');
    if (!fs.existsSync(path.join(extracted, 'lib', 'zstd.h'))) fail(`${PACKAGE} holds no deps/zstd/lib/zstd.h`);
    moveIntoPlace(extracted, zstdDir, path.join(libDir, 'zstd.h'));
    log(`zstd sources ready in ${path.relative(root, zstdDir)}/`);
  });
}

function listSources() {
  const out = [];
  for (const sub of ['common', 'compress', 'decompress']) {
    for (const name of fs.readdirSync(path.join(libDir, sub)).sort()) {
      if (name.endsWith('.c')) out.push(`deps/zstd/lib/${sub}/${name}`);
    }
  }
  return out;
}

runFetchCommand({
  tool: 'fetch-zstd',
  marker: path.join(libDir, 'zstd.h'),
  fetch: fetchSources,
  sources: listSources,
  dir: libDir,
});
