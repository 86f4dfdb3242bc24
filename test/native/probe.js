'use strict';
/**
 * Loads one addon file and prints, as JSON, what it computes on fixed inputs:
 * digests (a capture block's too), and the gzip member / zstd frame it encodes (hex of sha256 of the bytes).
 * Two builds of the same sources with the same zstd/zlib must print the same thing.
 * Usage: node test/native/probe.js <addon.node>     (used by builds.test.ts and scripts/check-builds.sh)
 */
const crypto = require('node:crypto');

async function main(file) {
  const addon = require(require("node:path").resolve(file));
  // Fixed, mildly compressible input.
  const input = Buffer.alloc(256 * 1024);
  let x = 12345;
  for (let i = 0; i < input.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    input[i] = (x >>> 24) % 16 + 97;
  }
  const label = (alg, enc) => {
    const d = new addon.Digest(alg);
    d.update(input);
    return d.label(enc);
  };
  const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
  const gzip = await new addon.MemberEncoder({ compression: 'gzip', level: 6 }).encode([input]);
  const zstd = await new addon.MemberEncoder({ compression: 'zstd', level: 3 }).encode([input]);
  const dict = input.subarray(0, 4096);
  const zdict = await new addon.MemberEncoder({ compression: 'zstd', level: 3, dictionary: dict }).encode([input]);
  const decoder = new addon.MemberDecoder({ compression: 'zstd', dictionary: dict });
  const step = decoder.write(zdict);
  // The sink and spool too (a missing object file would only show when called).
  const os = require('node:os');
  const fs = require('node:fs');
  const path = require('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-probe-'));
  let sinkFile;
  let captureBlock;
  try {
    // Spool + block digest + payload digest over [1000, 200000) in one call.
    const blockSpool = new addon.Spool({ tempDir: dir });
    const block = new addon.CaptureBlock(blockSpool, 'sha256');
    block.append(input, [1000, 200000]);
    captureBlock = { block: block.blockDigest(), payload: block.payloadDigest(), size: blockSpool.size };
    blockSpool.close();
    const sink = new addon.RecordSink(path.join(dir, 'p.warc.gz'), { compression: 'gzip', level: 6 });
    await sink.open();
    const spool = new addon.Spool({ memoryLimit: 1000, tempDir: dir });
    spool.append(input);
    await sink.append(Buffer.from('H\r\n\r\n'), spool);
    await sink.append(Buffer.from('H\r\n\r\n'), input.subarray(0, 5000));
    spool.close();
    await sink.close();
    sinkFile = sha(fs.readFileSync(path.join(dir, 'p.warc.gz')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    sinkFile,
    captureBlock,
    zstdVersion: addon.zstdVersion,
    sha1: label('sha1', 'base32'),
    sha256: label('sha256', 'base16'),
    gzip: sha(gzip),
    zstd: sha(zstd),
    zstdDict: sha(zdict),
    dictRoundTrip: step.memberEnd && step.output.equals(input),
  };
}

main(process.argv[2]).then(
  (result) => process.stdout.write(JSON.stringify(result) + '\n'),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
