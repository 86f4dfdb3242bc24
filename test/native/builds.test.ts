/**
 * The addon builds that exist here (the committed prebuild always; build/Release from
 * node-gyp and build-cmake/Release from cmake-js when they have been built) compute the
 * same digests and the same compressed bytes. scripts/check-builds.sh (run by CI) builds
 * both from scratch first, so there this compares all three.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PROBE = path.join(__dirname, 'probe.js');
const BUILDS = {
  prebuild: path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, 'warcwire.glibc.node'),
  gyp: path.join(ROOT, 'build', 'Release', 'warcwire.node'),
  cmake: path.join(ROOT, 'build-cmake', 'Release', 'warcwire.node'),
};

function probe(file: string): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, [PROBE, file], { encoding: 'utf8' })) as Record<string, unknown>;
}

describe('addon builds agree', () => {
  const present = Object.entries(BUILDS).filter(([, file]) => fs.existsSync(file));

  test('the prebuild computes the known answers', () => {
    const result = probe(BUILDS.prebuild);
    expect(result['zstdVersion']).toBe('1.5.7');
    expect(result['dictRoundTrip']).toBe(true);
    // Independent reference: node:crypto on the same input as probe.js.
    const input = Buffer.alloc(256 * 1024);
    let x = 12345;
    for (let i = 0; i < input.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      input[i] = ((x >>> 24) % 16) + 97;
    }
    const crypto = require('node:crypto') as typeof import('node:crypto');
    expect(result['sha256']).toBe(`sha256:${crypto.createHash('sha256').update(input).digest('hex')}`);
    const sha256 = (bytes: Buffer) => `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
    expect(result['captureBlock']).toEqual({ block: sha256(input), payload: sha256(input.subarray(1000, 200000)), size: input.length });
  });

  test(`every present build gives the same results (${present.map(([name]) => name).join(', ')})`, () => {
    const results = present.map(([name, file]) => ({ name, result: probe(file) }));
    for (const { result } of results.slice(1)) expect(result).toEqual(results[0]!.result);
  });
});
