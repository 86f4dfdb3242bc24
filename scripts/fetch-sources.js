'use strict';
/**
 * What the scripts that fetch compiled-in sources into deps/ share (scripts/fetch-zstd.js,
 * scripts/fetch-libdeflate.js): their command line, progress on stderr, a work directory that
 * is always removed, and the move of the unpacked sources into place.
 *
 * Command line of each script:
 *   (no option)  ensure the sources, print nothing on stdout
 *   --sources    ensure, then print the .c files to compile (paths relative to the package
 *                root, one a line; this is what binding.gyp expands with <!@(...))
 *   --dir        ensure, then print the absolute path of the sources' include directory
 */
const fs = require('node:fs');
const path = require('node:path');

/** Thrown (not process.exit) so that `finally` blocks remove the work directory. */
function fail(message) {
  throw new Error(message);
}

/** Runs `fn(work)` in a fresh directory under `parent`, removed afterwards whatever happens. */
function withWorkDir(parent, prefix, fn) {
  fs.mkdirSync(parent, { recursive: true });
  const work = fs.mkdtempSync(path.join(parent, prefix));
  try {
    return fn(work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Renames the unpacked `extracted` directory to `target`; a concurrent build that got there first is as good. */
function moveIntoPlace(extracted, target, marker) {
  try {
    fs.renameSync(extracted, target);
  } catch (err) {
    if (!fs.existsSync(marker)) throw err;
  }
}

/**
 * The command line: fetches unless `marker` (a file of the sources) exists, then prints what
 * was asked. Failures are reported on stderr as `<tool>: error: …` with exit code 1.
 * options: { tool, marker, fetch(log), sources(): string[], dir }
 */
function runFetchCommand({ tool, marker, fetch, sources, dir }) {
  const log = (message) => process.stderr.write(`${tool}: ${message}\n`);
  try {
    const mode = process.argv[2];
    if (mode !== undefined && mode !== '--sources' && mode !== '--dir') fail(`unknown option ${mode}`);
    if (!fs.existsSync(marker)) fetch(log);
    if (mode === '--sources') process.stdout.write(sources().join('\n') + '\n');
    if (mode === '--dir') process.stdout.write(dir + '\n');
  } catch (err) {
    log(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}

module.exports = { fail, moveIntoPlace, runFetchCommand, withWorkDir };
