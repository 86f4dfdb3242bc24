import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import {
  DICTIONARY_PATH,
  backendUnderTest,
  cliStatus,
  gunzipCli,
  makeTempDir,
  nodeHasZstd,
  parseZstdFrameHeader,
  removeDir,
  seededBytes,
  textBytes,
  unzstdCli,
} from '../helpers/backend-tools';

const backend = backendUnderTest();
/** zstd must work on native, and on js exactly when this Node's zlib has it. */
const zstdExpected = backend.name === 'native' || nodeHasZstd;

let dir: string;
beforeAll(() => {
  dir = makeTempDir('encoder');
});
afterAll(() => removeDir(dir));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return (err as BackendError).code;
  }
  return undefined;
}

describe(`MemberEncoder (${backend.name} backend)`, () => {
  test('zstdAvailable tells the truth', () => {
    expect(backend.zstdAvailable).toBe(zstdExpected);
  });

  test.each([undefined, 0, 1, 6, 9])('gzip level %s: one member that gzip -dc decodes, with node:zlib’s header bytes', async (level) => {
    const encoder = backend.createMemberEncoder({ compression: 'gzip', ...(level !== undefined ? { level } : {}) });
    const parts = [Buffer.from('WARC/1.1\r\nWARC-Type: resource\r\n\r\n'), textBytes(50_000, 3), Buffer.from('\r\n\r\n')];
    const member = await encoder.encode(parts);
    encoder.close();
    // Whichever deflate made it, the header is zlib's own: XFL from the level, this platform's OS byte.
    const zlibHeader = zlib.gzipSync(Buffer.alloc(0), level !== undefined ? { level } : {}).subarray(0, 10);
    expect(member.subarray(0, 10).toString('hex')).toBe(zlibHeader.toString('hex'));
    const file = path.join(dir, `one-${level ?? 'default'}.gz`);
    fs.writeFileSync(file, member);
    expect(gunzipCli(file).equals(Buffer.concat(parts))).toBe(true);
  });

  test('gzip: many members concatenated decode to the concatenation, empty input included', async () => {
    const encoder = backend.createMemberEncoder({ compression: 'gzip' });
    const inputs = [Buffer.alloc(0), textBytes(10, 1), seededBytes(70_000, 2), textBytes(1_000_000, 3), Buffer.from('x')];
    const members = await Promise.all(inputs.map((input) => encoder.encode([input])));
    encoder.close();
    const file = path.join(dir, 'many.gz');
    fs.writeFileSync(file, Buffer.concat(members));
    expect(gunzipCli(file).equals(Buffer.concat(inputs))).toBe(true);
  });

  test('bad options are typed errors', () => {
    expect(codeOf(() => backend.createMemberEncoder({ compression: 'gzip', level: 10 }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => backend.createMemberEncoder({ compression: 'gzip', level: -1 }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => backend.createMemberEncoder({ compression: 'gzip', dictionary: Buffer.from('dict') }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => backend.createMemberEncoder({ compression: 'brotli' as 'gzip' }))).toBe('ERR_INVALID_OPTION');
  });

  if (!zstdExpected) {
    test('zstd on a Node without zlib zstd: ERR_ZSTD_UNAVAILABLE naming the fix', () => {
      let error: unknown;
      try {
        backend.createMemberEncoder({ compression: 'zstd' });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).code).toBe('ERR_ZSTD_UNAVAILABLE');
      expect((error as BackendError).message).toMatch(/Node >= 22\.15/);
      expect((error as BackendError).message).toMatch(/native/);
      expect(codeOf(() => backend.createMemberDecoder({ compression: 'zstd' }))).toBe('ERR_ZSTD_UNAVAILABLE');
    });
    return;
  }

  test.each([undefined, 1, 3, 19])('zstd level %s: one frame with content size and checksum that zstd -dc decodes', async (level) => {
    const encoder = backend.createMemberEncoder({ compression: 'zstd', ...(level !== undefined ? { level } : {}) });
    const parts = [Buffer.from('WARC/1.1\r\n\r\n'), textBytes(200_000, 5), Buffer.from('\r\n\r\n')];
    const frame = await encoder.encode(parts);
    encoder.close();
    const header = parseZstdFrameHeader(frame);
    expect(header.contentSizePresent).toBe(true);
    expect(header.contentSize).toBe(BigInt(Buffer.concat(parts).length));
    expect(header.checksum).toBe(true);
    const file = path.join(dir, `one-${level ?? 'default'}.zst`);
    fs.writeFileSync(file, frame);
    expect(unzstdCli(file).equals(Buffer.concat(parts))).toBe(true);
  });

  test('zstd: many frames (each with content size and checksum) decode to the concatenation', async () => {
    const encoder = backend.createMemberEncoder({ compression: 'zstd' });
    const inputs = [Buffer.alloc(0), textBytes(10, 1), seededBytes(70_000, 2), textBytes(3_000_000, 3)];
    const frames = await Promise.all(inputs.map((input) => encoder.encode([input])));
    encoder.close();
    frames.forEach((frame, i) => {
      const header = parseZstdFrameHeader(frame);
      expect(header.contentSizePresent && header.checksum).toBe(true);
      expect(header.contentSize).toBe(BigInt(inputs[i]!.length));
    });
    const file = path.join(dir, 'many.zst');
    fs.writeFileSync(file, Buffer.concat(frames));
    expect(unzstdCli(file).equals(Buffer.concat(inputs))).toBe(true);
  });

  test('zstd with a dictionary: frames name the dictionary and decode only with zstd -D', async () => {
    const dictionary = fs.readFileSync(DICTIONARY_PATH);
    const encoder = backend.createMemberEncoder({ compression: 'zstd', dictionary });
    const input = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n' + textBytes(5_000, 9).toString());
    const frame = await encoder.encode([input]);
    encoder.close();
    const header = parseZstdFrameHeader(frame);
    expect(header.contentSizePresent && header.checksum).toBe(true);
    expect(header.dictionaryId).toBe(dictionary.readUInt32LE(4));
    const file = path.join(dir, 'dict.zst');
    fs.writeFileSync(file, frame);
    expect(unzstdCli(file, DICTIONARY_PATH).equals(input)).toBe(true);
    expect(cliStatus('zstd', ['-q', '-dc', file]).status).not.toBe(0);
  });

  test('zstd bad level is a typed error', () => {
    expect(codeOf(() => backend.createMemberEncoder({ compression: 'zstd', level: 0 }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => backend.createMemberEncoder({ compression: 'zstd', level: 23 }))).toBe('ERR_INVALID_OPTION');
  });
});
