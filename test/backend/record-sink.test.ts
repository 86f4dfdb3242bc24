import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import type { AppendResult, Compression, Spool } from '../../src/backend/types';
import { decodeMembers } from '../helpers/backend-decode';
import {
  DICTIONARY_PATH,
  backendUnderTest,
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
const zstdExpected = backend.name === 'native' || nodeHasZstd;
const CRLF2 = Buffer.from('\r\n\r\n');

let dir: string;
beforeEach(() => {
  dir = makeTempDir('sink');
});
afterEach(() => removeDir(dir));

interface Rec {
  header: Buffer;
  block: Buffer;
}

function record(i: number, blockSize: number, random = false): Rec {
  const block = random ? seededBytes(blockSize, i + 1) : textBytes(blockSize, i + 1);
  const header = Buffer.from(`WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:test:${i}>\r\nContent-Length: ${block.length}\r\n\r\n`);
  return { header, block };
}

const serialized = (recs: Rec[]) => Buffer.concat(recs.flatMap((r) => [r.header, r.block, CRLF2]));

function spoolOf(data: Buffer, options: { fullOnDisk?: boolean; memoryLimit?: number } = {}): Spool {
  const spool = backend.createSpool({ tempDir: dir, ...options });
  for (let offset = 0; offset < data.length; offset += 300_000) spool.append(data.subarray(offset, offset + 300_000));
  return spool;
}

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return err as BackendError;
  }
  throw new Error('expected a rejection');
}

function expectContiguous(results: AppendResult[], start: number, fileSize: number): void {
  let expected = start;
  for (const r of results) {
    expect(r.offset).toBe(expected);
    expect(r.length).toBeGreaterThan(0);
    expected += r.length;
  }
  expect(expected).toBe(fileSize);
}

/** Writes a mix of small buffers, RAM and disk spools and one block larger than any inline buffer. */
async function writeMixed(file: string, compression: Compression, extra: { dictionary?: Buffer; preamble?: Buffer } = {}) {
  const recs = [record(0, 0), record(1, 5_000), record(2, 300_000, true), record(3, 700_000), record(4, 6_000_000), record(5, 9_000_000, true)];
  const sink = await backend.openRecordSink(file, { compression, ...extra });
  const spools = [spoolOf(recs[3]!.block), spoolOf(recs[4]!.block, { memoryLimit: 1 << 20 }), spoolOf(recs[5]!.block, { fullOnDisk: true })];
  const results = await Promise.all([
    sink.append(recs[0]!.header, recs[0]!.block),
    sink.append(recs[1]!.header, recs[1]!.block),
    sink.append(recs[2]!.header, recs[2]!.block),
    sink.append(recs[3]!.header, spools[0]!),
    sink.append(recs[4]!.header, spools[1]!),
    sink.append(recs[5]!.header, spools[2]!),
  ]);
  await sink.close();
  spools.forEach((s) => s.close());
  return { recs, results, size: sink.size };
}

describe(`RecordSink (${backend.name} backend)`, () => {
  test('gzip: one member per record, in order, offsets contiguous; gzip -dc gives the records', async () => {
    const file = path.join(dir, 'out.warc.gz');
    const { recs, results, size } = await writeMixed(file, 'gzip');
    const bytes = fs.readFileSync(file);
    expect(size).toBe(bytes.length);
    expectContiguous(results, 0, bytes.length);
    expect(gunzipCli(file).equals(serialized(recs))).toBe(true);
    results.forEach((r, i) => {
      const member = bytes.subarray(r.offset, r.offset + r.length);
      // A slice is exactly one member: it inflates alone to exactly this record.
      expect(zlib.gunzipSync(member).equals(serialized([recs[i]!]))).toBe(true);
      // Our own decoder (output in bounded steps) finds exactly one member ending at its end.
      const decoder = backend.createMemberDecoder({ compression: 'gzip' });
      const decoded = decodeMembers(decoder, member, member.length);
      expect(decoded.ends).toEqual([member.length]);
      expect(decoded.members[0]!.equals(serialized([recs[i]!]))).toBe(true);
      decoder.close();
    });
  });

  test('none: records verbatim', async () => {
    const file = path.join(dir, 'out.warc');
    const { recs, results } = await writeMixed(file, 'none');
    const bytes = fs.readFileSync(file);
    expect(bytes.equals(serialized(recs))).toBe(true);
    expectContiguous(results, 0, bytes.length);
  });

  if (zstdExpected) {
    test('zstd: one frame per record with content size and checksum; zstd -dc gives the records', async () => {
      const file = path.join(dir, 'out.warc.zst');
      const { recs, results } = await writeMixed(file, 'zstd');
      const bytes = fs.readFileSync(file);
      expectContiguous(results, 0, bytes.length);
      results.forEach((r, i) => {
        const header = parseZstdFrameHeader(bytes, r.offset);
        expect(header.checksum).toBe(true);
        expect(header.contentSize).toBe(BigInt(serialized([recs[i]!]).length));
      });
      expect(unzstdCli(file).equals(serialized(recs))).toBe(true);
    });

    test('zstd with a dictionary and a dictionary-frame preamble decodes with zstd -D', async () => {
      const dictionary = fs.readFileSync(DICTIONARY_PATH);
      const compressedDict = execFileSync('zstd', ['-q', '-c', DICTIONARY_PATH]);
      const preamble = Buffer.alloc(8);
      preamble.writeUInt32LE(0x184d2a5d, 0);
      preamble.writeUInt32LE(compressedDict.length, 4);
      const file = path.join(dir, 'dict.warc.zst');
      const { recs, results } = await writeMixed(file, 'zstd', { dictionary, preamble: Buffer.concat([preamble, compressedDict]) });
      const bytes = fs.readFileSync(file);
      expect(bytes.readUInt32LE(0)).toBe(0x184d2a5d);
      expectContiguous(results, 8 + compressedDict.length, bytes.length);
      expect(parseZstdFrameHeader(bytes, results[1]!.offset).dictionaryId).toBe(dictionary.readUInt32LE(4));
      expect(unzstdCli(file, DICTIONARY_PATH).equals(serialized(recs))).toBe(true);
    });
  } else {
    test('zstd on a Node without zlib zstd: ERR_ZSTD_UNAVAILABLE and no file created', async () => {
      const file = path.join(dir, 'never.warc.zst');
      const error = await rejection(backend.openRecordSink(file, { compression: 'zstd' }));
      expect(error.code).toBe('ERR_ZSTD_UNAVAILABLE');
      expect(error.message).toMatch(/Node >= 22\.15/);
      expect(fs.existsSync(file)).toBe(false);
    });
  }

  test('1000 concurrent appends land in call order', async () => {
    const file = path.join(dir, 'many.warc.gz');
    const sink = await backend.openRecordSink(file, { compression: 'gzip', level: 1 });
    const recs = Array.from({ length: 1000 }, (_, i) => record(i, 200 + ((i * 7919) % 3000), i % 5 === 0));
    const results = await Promise.all(recs.map((r) => sink.append(r.header, r.block)));
    await sink.close();
    expectContiguous(results, 0, fs.statSync(file).size);
    expect(gunzipCli(file).equals(serialized(recs))).toBe(true);
  });

  test('preamble goes first into a new file; reopening appends after existing bytes, never truncates', async () => {
    const file = path.join(dir, 'reopen.warc.gz');
    const preamble = Buffer.from('PREAMBLE-BYTES');
    const first = await backend.openRecordSink(file, { compression: 'none', preamble });
    const r1 = await first.append(Buffer.from('H1\r\n'), Buffer.from('B1'));
    await first.close();
    expect(r1).toEqual({ offset: preamble.length, length: 4 + 2 + 4 });

    const again = await backend.openRecordSink(file, { compression: 'none', preamble });
    expect(again.size).toBe(preamble.length + 10);
    const r2 = await again.append(Buffer.from('H2\r\n'), Buffer.from('B2'));
    await again.close();
    expect(r2.offset).toBe(preamble.length + 10);
    expect(fs.readFileSync(file).toString()).toBe('PREAMBLE-BYTESH1\r\nB1\r\n\r\nH2\r\nB2\r\n\r\n');
  });

  test('append after close is ERR_SINK_CLOSED; close is idempotent', async () => {
    const sink = await backend.openRecordSink(path.join(dir, 'closed.warc.gz'), { compression: 'gzip' });
    await sink.append(Buffer.from('h'), Buffer.from('b'));
    await sink.close();
    await sink.close();
    const error = await rejection(sink.append(Buffer.from('h'), Buffer.from('b')));
    expect(error.code).toBe('ERR_SINK_CLOSED');
    expect(error.message).toContain('closed.warc.gz');
    expect(gunzipCli(path.join(dir, 'closed.warc.gz')).toString()).toBe('hb\r\n\r\n');
  });

  test('a closed spool as block rejects the append (ERR_SPOOL_CLOSED); the sink stays usable', async () => {
    const file = path.join(dir, 'closed-spool.warc.gz');
    const sink = await backend.openRecordSink(file, { compression: 'gzip' });
    const spool = backend.createSpool({ tempDir: dir });
    spool.append(Buffer.from('block'));
    spool.close();
    const pending = sink.append(Buffer.from('h'), spool); // must not throw synchronously
    expect((await rejection(pending)).code).toBe('ERR_SPOOL_CLOSED');
    const ok = await sink.append(Buffer.from('h'), Buffer.from('b'));
    await sink.close();
    expect(ok.offset).toBe(0);
    expect(gunzipCli(file).toString()).toBe('hb\r\n\r\n');
  });

  test('close waits for pending appends', async () => {
    const file = path.join(dir, 'pending.warc.gz');
    const sink = await backend.openRecordSink(file, { compression: 'gzip' });
    const recs = Array.from({ length: 20 }, (_, i) => record(i, 100_000));
    const appends = recs.map((r) => sink.append(r.header, r.block));
    await sink.close();
    await Promise.all(appends);
    expect(gunzipCli(file).equals(serialized(recs))).toBe(true);
  });

  test('a missing directory is ERR_SINK_OPEN naming the directory', async () => {
    const missing = path.join(dir, 'no', 'such', 'dir');
    const error = await rejection(backend.openRecordSink(path.join(missing, 'x.warc.gz'), { compression: 'gzip' }));
    expect(error.code).toBe('ERR_SINK_OPEN');
    expect(error.syscallCode).toBe('ENOENT');
    expect(error.message).toContain(missing);
  });

  test('bad options are ERR_INVALID_OPTION and create no file', async () => {
    const file = path.join(dir, 'bad.warc.gz');
    expect((await rejection(backend.openRecordSink(file, { compression: 'gzip', level: 42 }))).code).toBe('ERR_INVALID_OPTION');
    expect((await rejection(backend.openRecordSink(file, { compression: 'lz4' as Compression }))).code).toBe('ERR_INVALID_OPTION');
    expect(fs.existsSync(file)).toBe(false);
  });
});
