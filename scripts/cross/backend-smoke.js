#!/usr/bin/env node
'use strict';
/**
 * Smoke test of one warcwire backend, runnable by any Node (>= 20) on any platform without
 * ts-jest: under qemu-user with an arm64 node, under wine with node.exe, and from an installed
 * npm tarball. It exercises every Backend primitive once through the compiled dist/ code and
 * writes its outputs to <outDir> so the host can check them with independent tools
 * (scripts/cross/check-smoke-output.sh: the gzip and zstd CLIs).
 *
 * Usage: node backend-smoke.js <packageRoot> <outDir>
 *   WARCWIRE_BACKEND=native|js selects the backend (as everywhere in warcwire).
 *   SMOKE_REQUIRE_ZSTD=1 fails when the backend has no zstd (e.g. js on Node < 22.15).
 * Prints one JSON line (node, platform, arch, backend, loaded addon file) and exits 0 only when
 * every check passed; a failed check exits 1 naming it.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { base32 } = require('./base32');

const [pkgRoot, outDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!pkgRoot || !outDir) {
  process.stderr.write('usage: backend-smoke.js <packageRoot> <outDir>\n');
  process.exit(2);
}

/** The shared objects this process has loaded whose name ends in .node (the addon, if any). */
function loadedAddons() {
  const report = process.report.getReport();
  return (report.sharedObjects || []).filter((file) => /\.node$/i.test(file));
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const { loadBackend } = require(path.join(pkgRoot, 'dist', 'backend', 'index.js'));
  const backend = await Promise.resolve(loadBackend());
  const requested = process.env.WARCWIRE_BACKEND;
  if (requested) assert.equal(backend.name, requested, 'backend selected by WARCWIRE_BACKEND');

  // Digests: compared with node:crypto, chunked to exercise update().
  const data = crypto.randomBytes(200_000);
  for (const [algorithm, encoding] of [['sha1', 'base32'], ['sha256', 'base16'], ['sha256', 'base32']]) {
    const d = backend.createDigest(algorithm);
    for (let i = 0; i < data.length; i += 65_536) d.update(data.subarray(i, i + 65_536));
    const raw = crypto.createHash(algorithm).update(data).digest();
    const expected = `${algorithm}:${encoding === 'base32' ? base32(raw) : raw.toString('hex')}`;
    assert.equal(d.label(encoding), expected, `digest ${algorithm}/${encoding}`);
  }
  const abc = backend.createDigest('sha1');
  abc.update(Buffer.from('abc'));
  assert.equal(abc.digest().toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d', 'sha1("abc") test vector');

  // Hostile arguments, one per kind that killed the process with an addon built from older
  // sources: so a prebuild left behind when the addon changed fails here, on its own platform.
  const sharedView = new Uint8Array(new SharedArrayBuffer(data.length + 8), 8, data.length);
  sharedView.set(data);
  const onShared = backend.createDigest('sha1');
  onShared.update(sharedView);
  assert.equal(onShared.label(), `sha1:${base32(crypto.createHash('sha1').update(data).digest())}`, 'digest of a SharedArrayBuffer view');
  const getterError = new RangeError('compression getter says no');
  const throwingOptions = Object.defineProperty({}, 'compression', { enumerable: true, get: () => { throw getterError; } });
  assert.throws(() => backend.createMemberDecoder(throwingOptions), (err) => err === getterError, 'an options getter that throws: its own error reaches the caller');
  assert.throws(() => backend.createDigest('sha1').update('not bytes'), (err) => err.code === 'ERR_INVALID_ARG', 'digest of a string: ERR_INVALID_ARG');

  // Two gzip members from one encoder (state reuse), decoded by node:zlib here and gzip on the host.
  const parts = [Buffer.from('WARC/1.1\r\nWARC-Type: resource\r\n\r\n'), data, Buffer.from('\r\n\r\n')];
  const whole = Buffer.concat(parts);
  const gz = backend.createMemberEncoder({ compression: 'gzip', level: 6 });
  const m1 = await gz.encode(parts);
  const m2 = await gz.encode(parts);
  gz.close();
  assert.deepEqual(zlib.gunzipSync(m1), whole, 'gzip member 1 round trip');
  assert.deepEqual(zlib.gunzipSync(m2), whole, 'gzip member 2 round trip');
  fs.writeFileSync(path.join(outDir, 'members.gz'), Buffer.concat([m1, m2]));
  fs.writeFileSync(path.join(outDir, 'expected-members'), Buffer.concat([whole, whole]));

  // zstd frames when the backend has zstd: decoded by the backend's decoder here, zstd CLI on the host.
  const wantZstd = process.env.SMOKE_REQUIRE_ZSTD === '1';
  if (wantZstd) assert.ok(backend.zstdAvailable, 'backend reports zstd available');
  if (backend.zstdAvailable) {
    const zs = backend.createMemberEncoder({ compression: 'zstd', level: 3 });
    const f1 = await zs.encode(parts);
    const f2 = await zs.encode(parts);
    zs.close();
    const dec = backend.createMemberDecoder({ compression: 'zstd' });
    const both = Buffer.concat([f1, f2]);
    const outputs = [];
    let members = 0;
    for (let off = 0; off < both.length; ) {
      const step = dec.write(both.subarray(off, off + 16_384));
      assert.ok(step.consumed > 0 || step.memberEnd, 'zstd decoder makes progress');
      outputs.push(step.output);
      off += step.consumed;
      if (step.memberEnd) members += 1;
    }
    dec.close();
    assert.equal(members, 2, 'zstd decoder saw two frames');
    assert.deepEqual(Buffer.concat(outputs), Buffer.concat([whole, whole]), 'zstd frames round trip');
    fs.writeFileSync(path.join(outDir, 'frames.zst'), both);
  }

  // Spool moved to disk (temp file semantics differ on Windows), then read back.
  const spool = backend.createSpool({ memoryLimit: 1024, tempDir: outDir });
  for (let i = 0; i < data.length; i += 10_000) spool.append(data.subarray(i, i + 10_000));
  assert.equal(spool.size, data.length, 'spool size');
  assert.equal(spool.onDisk, true, 'spool moved to disk past its memory limit');
  assert.deepEqual(spool.read(123, 4567), data.subarray(123, 123 + 4567), 'spool read');

  // Capture block: spool + block digest + payload digest (over the marked ranges) in one call per chunk.
  const block = backend.createCaptureBlock({ digestAlgorithm: 'sha1', spool: { memoryLimit: 1024, tempDir: outDir } });
  for (let i = 0; i < data.length; i += 10_000) block.append(data.subarray(i, i + 10_000), [100, 9_000]);
  const payload = [];
  for (let i = 0; i < data.length; i += 10_000) payload.push(data.subarray(i + 100, i + 9_000));
  assert.equal(block.blockDigest('base16'), `sha1:${crypto.createHash('sha1').update(data).digest('hex')}`, 'capture block digest');
  assert.equal(block.payloadDigest('base16'), `sha1:${crypto.createHash('sha1').update(Buffer.concat(payload)).digest('hex')}`, 'capture block payload digest');
  assert.deepEqual(block.read(0, block.size), data, 'capture block bytes');
  assert.throws(() => block.append(Buffer.from('abc'), [2, 1]), (err) => err.code === 'ERR_INVALID_ARG', 'a descending payload range: ERR_INVALID_ARG');
  block.close();

  // A system error keeps its POSIX name on every platform (ENOENT, not a platform number).
  const orphan = backend.createSpool({ memoryLimit: 1, tempDir: path.join(outDir, 'no-such-dir') });
  assert.throws(
    () => orphan.append(Buffer.alloc(10)),
    (err) => err.code === 'ERR_SPOOL_IO' && err.syscallCode === 'ENOENT',
    'spool in a missing directory: ERR_SPOOL_IO with syscallCode ENOENT',
  );
  orphan.close();

  // Record sink: two records as gzip members appended to a file off the main thread.
  const sinkPath = path.join(outDir, 'records.warc.gz');
  const sink = await backend.openRecordSink(sinkPath, { compression: 'gzip' });
  const header = Buffer.from('WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: ' + data.length + '\r\n\r\n');
  const r1 = await sink.append(header, spool);
  const r2 = await sink.append(header, data);
  await sink.close();
  spool.close();
  assert.equal(r1.offset, 0, 'first record at offset 0');
  assert.equal(r2.offset, r1.length, 'second record right after the first');
  assert.equal(fs.statSync(sinkPath).size, r1.length + r2.length, 'file size = sum of record lengths');
  const record = Buffer.concat([header, data, Buffer.from('\r\n\r\n')]);
  fs.writeFileSync(path.join(outDir, 'expected-records'), Buffer.concat([record, record]));
  const leftovers = fs.readdirSync(outDir).filter((f) => !/^(members\.gz|frames\.zst|records\.warc\.gz|expected-.*)$/.test(f));
  assert.deepEqual(leftovers, [], 'no temp files left in the spool directory');

  const addons = loadedAddons();
  if (backend.name === 'native') assert.equal(addons.length, 1, 'exactly one .node file loaded');
  const summary = {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    backend: backend.name,
    zstd: backend.zstdAvailable,
    addon: addons[0] ? path.relative(pkgRoot, addons[0]) : null,
  };
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary) + '\n');
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().catch((err) => {
  process.stderr.write(`backend-smoke: FAILED: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
