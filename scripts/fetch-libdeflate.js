#!/usr/bin/env node
'use strict';
/**
 * Makes libdeflate 1.14 sources available in deps/libdeflate/ for the native build.
 *
 * The sources are never committed: they come from Debian's `libdeflate` source package
 * (version 1.14-1, Debian 12 "bookworm"), fetched with `apt-get source --download-only`
 * through a deb-src entry written to a private apt directory (the system's apt
 * configuration, lists and caches are not touched). apt checks the files against the
 * signed Sources index; this script then checks the .dsc and the upstream tarball against
 * pinned sha256 sums and refuses anything else. Only the upstream tarball is unpacked: the
 * Debian patch set changes nothing this build compiles (one arm CRC-32 flag).
 * The mirror is the one the machine's apt already uses for Debian (first `deb` entry of
 * /etc/apt/sources.list*), or WARCWIRE_DEBIAN_MIRROR when set.
 * When deps/libdeflate/libdeflate.h already exists (a previous fetch, or a published
 * warcwire tarball that carries the sources) nothing is fetched: offline builds work.
 *
 * Usage (scripts/fetch-sources.js): node scripts/fetch-libdeflate.js [--sources | --dir]
 *   --dir prints the absolute deps/libdeflate path.
 * Progress goes to stderr so stdout stays machine-readable.
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { fail, moveIntoPlace, runFetchCommand, withWorkDir } = require('./fetch-sources');

const SOURCE_PACKAGE = 'libdeflate';
const VERSION = '1.14-1';
const SUITE = 'bookworm';
const UPSTREAM_DIR = 'libdeflate-1.14';
const PINNED_SHA256 = {
  'libdeflate_1.14-1.dsc': '1f82791c5ac5623ed110e09cc991471deebfe4c419414392d1242e122c6f4c19',
  'libdeflate_1.14.orig.tar.gz': '89e7df898c37c3427b0f39aadcf733731321a278771d20fc553f92da8d4808ac',
};
const TARBALL = 'libdeflate_1.14.orig.tar.gz';
const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
// The compressor only: decoding stays with zlib, and CRC-32 is zlib's (compressor.h).
const SOURCES = ['lib/deflate_compress.c', 'lib/utils.c'];

const root = path.resolve(__dirname, '..');
const depsDir = path.join(root, 'deps');
const libdeflateDir = path.join(depsDir, 'libdeflate');

/** The `deb` entries of the system's apt sources: one-line (.list) and deb822 (.sources) files. */
function systemDebEntries() {
  const files = [];
  if (fs.existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  const partsDir = '/etc/apt/sources.list.d';
  if (fs.existsSync(partsDir)) {
    for (const name of fs.readdirSync(partsDir).sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(path.join(partsDir, name));
    }
  }
  const entries = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = {};
        for (const line of stanza.split('\n')) {
          const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
          if (match) fields[match[1].toLowerCase()] = match[2].trim();
        }
        if (!(fields.types || '').split(/\s+/).includes('deb') || fields.enabled === 'no') continue;
        for (const uri of (fields.uris || '').split(/\s+/).filter(Boolean)) {
          entries.push({ uri, suites: (fields.suites || '').split(/\s+/), keyring: fields['signed-by'] });
        }
      }
    } else {
      for (const line of text.split('\n')) {
        const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
        if (!match) continue;
        const keyring = /signed-by=(\S+)/.exec(match[1] || '');
        entries.push({ uri: match[2], suites: [match[3]], keyring: keyring ? keyring[1] : undefined });
      }
    }
  }
  return entries;
}

/** The Debian archive mirror to ask: the override, else the system's entry for SUITE, else its first Debian one. */
function debianMirror() {
  const override = process.env.WARCWIRE_DEBIAN_MIRROR;
  if (override) return { uri: override, keyring: DEFAULT_KEYRING };
  // The main archive (…/debian), not debian-security or a third-party repository.
  const debian = systemDebEntries().filter((entry) => /\/debian\/?$/.test(entry.uri));
  const chosen = debian.find((entry) => entry.suites.includes(SUITE)) || debian[0];
  if (!chosen) {
    fail(
      'no Debian archive entry in /etc/apt/sources.list*; set WARCWIRE_DEBIAN_MIRROR ' +
        `(e.g. http://deb.debian.org/debian) or put the libdeflate sources in ${path.relative(root, libdeflateDir)}/`,
    );
  }
  return { uri: chosen.uri, keyring: chosen.keyring && fs.existsSync(chosen.keyring) ? chosen.keyring : DEFAULT_KEYRING };
}

/** apt-get with every list, cache and source file in `aptDir`: the system's apt state stays as it is. */
function aptGet(aptDir, args, cwd) {
  const options = [
    `Dir::Etc::SourceList=${path.join(aptDir, 'sources.list')}`,
    `Dir::Etc::SourceParts=${path.join(aptDir, 'sources.list.d')}`,
    `Dir::State::Lists=${path.join(aptDir, 'lists')}`,
    `Dir::Cache=${path.join(aptDir, 'cache')}`,
    // Our private directories are not readable by apt's `_apt` download user.
    'APT::Sandbox::User=root',
    'Debug::NoLocking=1',
  ].flatMap((option) => ['-o', option]);
  execFileSync('apt-get', ['-q', ...options, ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

function checkSha256(file) {
  const expected = PINNED_SHA256[path.basename(file)];
  const actual = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (actual !== expected) {
    fail(`${path.basename(file)} does not match the pinned sha256 ${expected} (got ${actual})`);
  }
}

function fetchSources(log) {
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
  } catch {
    fail(`apt-get is needed to fetch Debian's ${SOURCE_PACKAGE} source package (or put its sources in ${path.relative(root, libdeflateDir)}/)`);
  }
  const mirror = debianMirror();
  withWorkDir(depsDir, '.fetch-libdeflate-', (work) => {
    const aptDir = path.join(work, 'apt');
    for (const sub of ['sources.list.d', 'lists/partial', 'cache/archives/partial']) {
      fs.mkdirSync(path.join(aptDir, sub), { recursive: true });
    }
    fs.writeFileSync(path.join(aptDir, 'sources.list'), `deb-src [signed-by=${mirror.keyring}] ${mirror.uri} ${SUITE} main\n`);
    log(`fetching Debian's ${SOURCE_PACKAGE} ${VERSION} source package from ${mirror.uri} ${SUITE} (apt-get source)`);
    aptGet(aptDir, ['update'], work);
    const download = path.join(work, 'download');
    fs.mkdirSync(download);
    aptGet(aptDir, ['source', '--download-only', `${SOURCE_PACKAGE}=${VERSION}`], download);
    for (const name of Object.keys(PINNED_SHA256)) {
      const file = path.join(download, name);
      if (!fs.existsSync(file)) fail(`apt-get source left no ${name}`);
      checkSha256(file);
    }
    const members = ['COPYING', 'libdeflate.h', 'common_defs.h', 'lib'].map((name) => `${UPSTREAM_DIR}/${name}`);
    execFileSync('tar', ['-xzf', path.join(download, TARBALL), '-C', work, ...members], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const extracted = path.join(work, UPSTREAM_DIR);
    if (!fs.existsSync(path.join(extracted, 'libdeflate.h'))) fail(`${TARBALL} holds no ${UPSTREAM_DIR}/libdeflate.h`);
    moveIntoPlace(extracted, libdeflateDir, path.join(libdeflateDir, 'libdeflate.h'));
    log(`libdeflate sources ready in ${path.relative(root, libdeflateDir)}/`);
  });
}

runFetchCommand({
  tool: 'fetch-libdeflate',
  marker: path.join(libdeflateDir, 'libdeflate.h'),
  fetch: fetchSources,
  sources: () => SOURCES.map((src) => `deps/libdeflate/${src}`),
  dir: libdeflateDir,
});
