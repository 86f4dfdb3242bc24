import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import type { MemberDecoder } from '../../src/backend/types';
import { decodeMembers } from '../helpers/backend-decode';
import {
  DICTIONARY_PATH,
  FIXTURES_DIR,
  backendUnderTest,
  gunzipCli,
  makeTempDir,
  nodeHasZstd,
  removeDir,
  seededBytes,
  textBytes,
} from '../helpers/backend-tools';

const backend = backendUnderTest();
const zstdExpected = backend.name === 'native' || nodeHasZstd;
const CHUNK_SIZES = [1, 7, 4096, 65536, 1 << 30];

let dir: string;
beforeAll(() => {
  dir = makeTempDir('decoder');
});
afterAll(() => removeDir(dir));

const INPUTS = [textBytes(1000, 1), Buffer.alloc(0), seededBytes(200_000, 2), textBytes(2_500_000, 3), Buffer.from('\r\n\r\n')];
/** Byte-by-byte feeding is slow by nature: smaller inputs keep those cases fast. */
const SMALL_INPUTS = [textBytes(1000, 1), Buffer.alloc(0), seededBytes(20_000, 2), textBytes(300_000, 3), Buffer.from('\r\n\r\n')];
const inputsFor = (chunkSize: number) => (chunkSize < 4096 ? SMALL_INPUTS : INPUTS);

async function encodeAll(compression: 'gzip' | 'zstd', inputs: Buffer[], dictionary?: Buffer): Promise<Buffer[]> {
  const encoder = backend.createMemberEncoder({ compression, ...(dictionary ? { dictionary } : {}) });
  try {
    return await Promise.all(inputs.map((input) => encoder.encode([input])));
  } finally {
    encoder.close();
  }
}

function cumulative(lengths: number[]): number[] {
  let sum = 0;
  return lengths.map((n) => (sum += n));
}

function expectDecodeError(decoder: MemberDecoder, data: Buffer): BackendError {
  let error: unknown;
  try {
    decodeMembers(decoder, data, 1 << 30);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(BackendError);
  expect((error as BackendError).code).toBe('ERR_DECODE');
  return error as BackendError;
}

/** A gzip member with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC). */
function gzipWithAllHeaderFields(data: Buffer): Buffer {
  const extra = Buffer.from('sl\x04\x00abcd', 'latin1');
  const head = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
    Buffer.from([extra.length, 0]),
    extra,
    Buffer.from('record.warc\0comment\0', 'latin1'),
  ]);
  const hcrc = Buffer.alloc(2);
  hcrc.writeUInt16LE(zlib.crc32(head) & 0xffff);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, hcrc, zlib.deflateRawSync(data), trailer]);
}

describe(`MemberDecoder gzip (${backend.name} backend)`, () => {
  test.each(CHUNK_SIZES)('round trip with chunks of %i bytes stops at every member boundary', async (chunkSize) => {
    const inputs = inputsFor(chunkSize);
    const members = await encodeAll('gzip', inputs);
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    const result = decodeMembers(decoder, Buffer.concat(members), chunkSize);
    decoder.close();
    expect(result.members.length).toBe(inputs.length);
    result.members.forEach((m, i) => expect(m.equals(inputs[i]!)).toBe(true));
    expect(result.ends).toEqual(cumulative(members.map((m) => m.length)));
  });

  test('reports consumed bytes with trailing data after the member, then rejects the garbage', async () => {
    const [member] = await encodeAll('gzip', [textBytes(5000, 4)]);
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    const step = decoder.write(Buffer.concat([member!, Buffer.from('trailing garbage')]));
    expect(step.memberEnd).toBe(true);
    expect(step.consumed).toBe(member!.length);
    expect(step.output.equals(textBytes(5000, 4))).toBe(true);
    expect(() => decoder.write(Buffer.from('trailing garbage'))).toThrow(BackendError);
    decoder.close();
  });

  test('optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC) are parsed', () => {
    const data = textBytes(30_000, 5);
    const member = gzipWithAllHeaderFields(data);
    for (const chunkSize of [1, 3, 1 << 30]) {
      const decoder = backend.createMemberDecoder({ compression: 'gzip' });
      const result = decodeMembers(decoder, Buffer.concat([member, member]), chunkSize);
      decoder.close();
      expect(result.members.map((m) => m.equals(data))).toEqual([true, true]);
      expect(result.ends).toEqual([member.length, 2 * member.length]);
    }
  });

  test('members written by gzip(1) and a WARC with FEXTRA (jwarc fixture) decode like gzip -dc', () => {
    const plain = path.join(dir, 'named.txt');
    fs.writeFileSync(plain, textBytes(100_000, 6));
    const cliMember = execFileSync('gzip', ['-c', '-9', plain]); // has FNAME
    const fixture = fs.readFileSync(path.join(FIXTURES_DIR, 'jwarc--gzip_extra_sl.warc.gz'));
    const file = path.join(dir, 'mixed.gz');
    fs.writeFileSync(file, Buffer.concat([cliMember, fixture]));
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    const result = decodeMembers(decoder, fs.readFileSync(file), 999);
    decoder.close();
    expect(result.members.length).toBeGreaterThan(1);
    expect(result.ends[result.ends.length - 1]).toBe(cliMember.length + fixture.length);
    expect(Buffer.concat(result.members).equals(gunzipCli(file))).toBe(true);
  });

  test('corrupt input is ERR_DECODE; reset() recovers for the next member', async () => {
    const [member] = await encodeAll('gzip', [textBytes(20_000, 7)]);
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });

    expectDecodeError(decoder, Buffer.from('not gzip at all'));
    decoder.reset();

    const badCrc = Buffer.from(member!);
    badCrc[badCrc.length - 8]! ^= 0xff;
    expectDecodeError(decoder, badCrc);
    decoder.reset();

    const badBody = Buffer.from(member!);
    for (let i = 12; i < 40; i++) badBody[i] = 0xff; // an invalid deflate block
    expectDecodeError(decoder, badBody);
    decoder.reset();

    const badLength = Buffer.from(member!);
    badLength[badLength.length - 1]! ^= 0x01;
    expectDecodeError(decoder, badLength);
    decoder.reset();

    const result = decodeMembers(decoder, member!, 100);
    expect(result.members[0]!.equals(textBytes(20_000, 7))).toBe(true);
    decoder.close();
  });

  test('a truncated member is not reported as complete', async () => {
    const [member] = await encodeAll('gzip', [textBytes(20_000, 8)]);
    const decoder = backend.createMemberDecoder({ compression: 'gzip' });
    const result = decodeMembers(decoder, member!.subarray(0, member!.length - 3), 512);
    decoder.close();
    expect(result.members).toEqual([]);
  });
});

describe(`MemberDecoder zstd (${backend.name} backend)`, () => {
  if (!zstdExpected) {
    test('zstd decoding is refused with ERR_ZSTD_UNAVAILABLE on this Node', () => {
      expect(() => backend.createMemberDecoder({ compression: 'zstd' })).toThrow(
        expect.objectContaining({ code: 'ERR_ZSTD_UNAVAILABLE' }) as unknown as Error,
      );
    });
    return;
  }

  const skippable = (payload: Buffer, magicLow = 0xd): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(0x184d2a50 + magicLow, 0);
    head.writeUInt32LE(payload.length, 4);
    return Buffer.concat([head, payload]);
  };

  test.each(CHUNK_SIZES)('round trip with skippable frames, chunks of %i bytes', async (chunkSize) => {
    const inputs = inputsFor(chunkSize);
    const frames = await encodeAll('zstd', inputs);
    const skip = skippable(Buffer.from('dictionary frame stand-in'));
    const emptySkip = skippable(Buffer.alloc(0), 0xf);
    const data = Buffer.concat([skip, ...frames, emptySkip]);
    const decoder = backend.createMemberDecoder({ compression: 'zstd' });
    const result = decodeMembers(decoder, data, chunkSize);
    decoder.close();
    expect(result.members.map((m) => m.length)).toEqual([0, ...inputs.map((i) => i.length), 0]);
    inputs.forEach((input, i) => expect(result.members[i + 1]!.equals(input)).toBe(true));
    expect(result.ends).toEqual(cumulative([skip.length, ...frames.map((f) => f.length), emptySkip.length]));
  });

  test('frames written by zstd(1) (raw, RLE and compressed blocks; no checksum) and with a dictionary', () => {
    const parts = [Buffer.alloc(300_000, 0), seededBytes(300_000, 9), textBytes(300_000, 10)];
    const files = parts.map((part, i) => {
      const file = path.join(dir, `cli-${i}`);
      fs.writeFileSync(file, part);
      return file;
    });
    const frames = [
      ...files.map((file) => execFileSync('zstd', ['-q', '-c', file])),
      execFileSync('zstd', ['-q', '-c', '--no-check', files[2]!]),
    ];
    const decoder = backend.createMemberDecoder({ compression: 'zstd' });
    const result = decodeMembers(decoder, Buffer.concat(frames), 5000);
    decoder.close();
    expect(result.members.length).toBe(4);
    [...parts, parts[2]!].forEach((part, i) => expect(result.members[i]!.equals(part)).toBe(true));
    expect(result.ends).toEqual(cumulative(frames.map((f) => f.length)));

    const dictionary = fs.readFileSync(DICTIONARY_PATH);
    const dictFrame = execFileSync('zstd', ['-q', '-c', '-D', DICTIONARY_PATH, files[2]!]);
    const withDict = backend.createMemberDecoder({ compression: 'zstd', dictionary });
    const decoded = decodeMembers(withDict, Buffer.concat([dictFrame, dictFrame]), 4096);
    withDict.close();
    expect(decoded.members.map((m) => m.equals(parts[2]!))).toEqual([true, true]);
  });

  test('trailing data after a frame: consumed stops at the frame end', async () => {
    const [frame] = await encodeAll('zstd', [textBytes(5000, 11)]);
    const decoder = backend.createMemberDecoder({ compression: 'zstd' });
    const step = decoder.write(Buffer.concat([frame!, Buffer.from('garbage!')]));
    expect(step.memberEnd).toBe(true);
    expect(step.consumed).toBe(frame!.length);
    expect(step.output.equals(textBytes(5000, 11))).toBe(true);
    expect(() => decoder.write(Buffer.from('garbage!'))).toThrow(BackendError);
    decoder.close();
  });

  test('corrupt frames are ERR_DECODE', async () => {
    const [frame] = await encodeAll('zstd', [textBytes(50_000, 12)]);
    const decoder = backend.createMemberDecoder({ compression: 'zstd' });
    expectDecodeError(decoder, Buffer.from('definitely not zstd'));
    decoder.reset();
    const badChecksum = Buffer.from(frame!);
    badChecksum[badChecksum.length - 1]! ^= 0xff;
    expectDecodeError(decoder, badChecksum);
    decoder.reset();
    expect(decodeMembers(decoder, frame!, 1000).members[0]!.equals(textBytes(50_000, 12))).toBe(true);
    decoder.close();
  });
});
