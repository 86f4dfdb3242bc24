/** Shared helpers of the backend suite: independent CLI decoders, temp dirs, fd inspection. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBackend } from '../../src/backend';
import type { Backend } from '../../src/backend/types';

export const DICTIONARY_PATH = path.resolve(__dirname, '../../../shared/fixtures/warc/gowarc--zstd-dictionary.bin');
export const FIXTURES_DIR = path.resolve(__dirname, '../../../shared/fixtures/warc');

/** The backend under test; asserts it is the one WARCWIRE_BACKEND asked for. */
export function backendUnderTest(): Backend {
  const backend = loadBackend();
  const wanted = process.env['WARCWIRE_BACKEND'];
  if (wanted !== undefined && wanted !== '' && backend.name !== wanted) {
    throw new Error(`WARCWIRE_BACKEND=${wanted} but loadBackend() returned ${backend.name}`);
  }
  return backend;
}

/** True when this Node's zlib has zstd (22.15+): the js backend must then decode instead of refusing. */
export const nodeHasZstd = typeof (require('node:zlib') as Record<string, unknown>)['zstdCompress'] === 'function';

export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `warcwire-test-${label}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Decompresses with the real `gzip -dc` (handles concatenated members). */
export function gunzipCli(file: string): Buffer {
  return execFileSync('gzip', ['-dc', file], { maxBuffer: 1 << 30 });
}

/** Decompresses with the real `zstd -dc`, optionally with a dictionary. */
export function unzstdCli(file: string, dictionary?: string): Buffer {
  const args = dictionary === undefined ? ['-q', '-dc', file] : ['-q', '-D', dictionary, '-dc', file];
  return execFileSync('zstd', args, { maxBuffer: 1 << 30 });
}

/** Runs a CLI on data through a temp file; returns exit status and stderr for negative checks. */
export function cliStatus(command: string, args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

export interface ZstdFrameHeader {
  contentSizePresent: boolean;
  contentSize: bigint | undefined;
  checksum: boolean;
  dictionaryId: number | undefined;
}

/** Parses the frame header descriptor (RFC 8878 3.1.1.1) of the zstd frame at `offset`. */
export function parseZstdFrameHeader(bytes: Buffer, offset = 0): ZstdFrameHeader {
  if (bytes.readUInt32LE(offset) !== 0xfd2fb528) throw new Error(`no zstd frame magic at ${offset}`);
  const fhd = bytes[offset + 4]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
  let pos = offset + 5 + (singleSegment ? 0 : 1);
  let dictionaryId: number | undefined;
  if (dictIdSize > 0) {
    dictionaryId = bytes.readUIntLE(pos, dictIdSize);
    pos += dictIdSize;
  }
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  let contentSize: bigint | undefined;
  if (fcsSize === 1) contentSize = BigInt(bytes[pos]!);
  else if (fcsSize === 2) contentSize = BigInt(bytes.readUInt16LE(pos) + 256);
  else if (fcsSize === 4) contentSize = BigInt(bytes.readUInt32LE(pos));
  else if (fcsSize === 8) contentSize = bytes.readBigUInt64LE(pos);
  return { contentSizePresent: fcsSize > 0, contentSize, checksum: (fhd & 0x04) !== 0, dictionaryId };
}

/** Open descriptors of this process whose target lies in `dir` (deleted or not). */
export function descriptorsInto(dir: string): { fd: number; target: string }[] {
  const found: { fd: number; target: string }[] = [];
  for (const name of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed while listing
    }
    if (target.startsWith(dir + path.sep)) found.push({ fd: Number(name), target });
  }
  return found;
}

/** Deterministic pseudo-random bytes (xorshift32), for reproducible inputs. */
export function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Compressible, text-like bytes of a given length. */
export function textBytes(length: number, seed: number): Buffer {
  const words = ['<div class="item">', 'warc', 'record', 'archive', '</div>\n', 'http', 'crawler', 'the', 'of', 'data'];
  const random = seededBytes(length, seed);
  let s = '';
  for (let i = 0; s.length < length; i++) s += words[random[i % length]! % words.length] + ' ';
  return Buffer.from(s.slice(0, length));
}

/**
 * A zstd test. Where zstd is missing by design (the js backend on a Node whose
 * node:zlib has none), the same case checks the documented refusal instead, so
 * nothing is skipped and a backend that loses zstd for another reason fails.
 */
export function zstdTest(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  const backend = backendUnderTest();
  if (backend.name === 'native' || nodeHasZstd) {
    test(name, fn, timeout);
    return;
  }
  test(`${name}: zstd missing by design here, refused with ERR_ZSTD_UNAVAILABLE`, () => {
    expect(backend.name).toBe('js');
    expect(() => backend.createMemberDecoder({ compression: 'zstd' })).toThrow(
      expect.objectContaining({ code: 'ERR_ZSTD_UNAVAILABLE' }) as unknown as Error,
    );
  });
}

/**
 * Resident-memory bounds measure our buffers only without a sanitizer: under
 * AddressSanitizer (`npm run test:asan` sets WARCWIRE_SANITIZER) freed memory
 * waits in ASan's quarantine and every allocation carries redzones, so RSS
 * grows with ASan's bookkeeping. Those runs check memory safety; the bounds
 * themselves are checked by `npm test`.
 */
export const underSanitizer = (process.env['WARCWIRE_SANITIZER'] ?? '') !== '';

/** `expect(growth).toBeLessThan(bound)`, except under a sanitizer (see underSanitizer). */
export function expectRssGrowthBelow(growth: number, bound: number): void {
  if (!underSanitizer) expect(growth).toBeLessThan(bound);
}
