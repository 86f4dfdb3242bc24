#!/usr/bin/env node
'use strict';
/**
 * `npm run build:prebuild`: builds prebuilds/<platform>-<arch>/warcwire.<libc>.node with
 * prebuildify (--napi --strip --tag-libc) through node-gyp and binding.gyp.
 * On linux-x64 (glibc) the build runs in a Debian bullseye root instead
 * (scripts/prebuild-linux-glibc.sh), so the file needs no newer glibc than Node 20 does.
 *
 * Nothing is downloaded: node-gyp gets the headers of the running node
 * (npm_config_nodedir = the prefix of process.execPath, which holds include/node).
 * prebuildify moves the addon out of build/Release; the loader then finds the prebuild.
 * The script ends by loading the new file in a child process and printing what it links.
 *
 * (Not named `prebuild`: npm would run that as a pre-hook of every `npm run build`.)
 */
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nodedir = path.resolve(process.execPath, '..', '..');

function fail(message) {
  process.stderr.write(`prebuild: ${message}\n`);
  process.exit(1);
}

if (!fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
  fail(`no Node headers in ${nodedir}/include/node (they ship with the official node tarball and the nodejs packages)`);
}

/** node-gyp: a local install, else the copy bundled with npm (npm run puts it on PATH too). */
function nodeGypCommand() {
  const candidates = [];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch {
    // not installed locally
  }
  if (process.env.npm_execpath) {
    candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  candidates.push(path.join(nodedir, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) fail('node-gyp not found (it is bundled with npm; run this through `npm run build:prebuild`)');
  return `"${process.execPath}" "${found}"`;
}

const env = {
  ...process.env,
  npm_config_nodedir: nodedir,
  PREBUILD_NODE_GYP: nodeGypCommand(),
  // prebuildify spawns PREBUILD_NODE_GYP through this shell, so "node node-gyp.js" works.
  PREBUILD_SHELL: '/bin/sh',
};

const libc = fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
const started = Date.now();
if (process.platform === 'linux' && process.arch === 'x64' && libc === 'glibc') {
  const result = spawnSync('bash', [path.join(root, 'scripts', 'prebuild-linux-glibc.sh')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`scripts/prebuild-linux-glibc.sh failed (exit ${result.status}, signal ${result.signal})`);
} else {
  const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
  const result = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--tag-libc'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (result.status !== 0) fail(`prebuildify failed (exit ${result.status}, signal ${result.signal})`);
}

const file = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, `warcwire.${libc}.node`);
if (!fs.existsSync(file)) fail(`prebuildify finished but ${path.relative(root, file)} is missing`);

// Prove the file loads on its own and works.
const probe = spawnSync(
  process.execPath,
  ['-e', `const a = require(${JSON.stringify(file)}); const d = new a.Digest('sha1'); process.stdout.write(d.label() + ' zstd ' + a.zstdVersion)`],
  { encoding: 'utf8' },
);
if (probe.status !== 0) fail(`the prebuild does not load: ${probe.stderr}`);

let needed = '';
try {
  needed = execFileSync('readelf', ['-d', file], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('(NEEDED)'))
    .map((line) => line.replace(/.*\[(.*)\].*/, '$1'))
    .join(', ');
} catch {
  needed = '(readelf not available)';
}
const size = fs.statSync(file).size;
process.stdout.write(
  `prebuild: ${path.relative(root, file)} (${(size / 1024).toFixed(0)} KiB, ${((Date.now() - started) / 1000).toFixed(1)} s)\n` +
    `prebuild: loads (${probe.stdout}); needs ${needed}\n`,
);
