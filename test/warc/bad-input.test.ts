import { createReadStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkFile } from '../../src/warc/tools/check';
import { WarcReader, type ReadIssue } from '../../src/warc/read/reader';
import { WarcWriter } from '../../src/warc/write/writer';
import { backend, expectZstdMissingByDesign, FIXTURES, tempDir, zstdUnavailable } from '../helpers/warc-backend';
import { exchanges, seededBytes } from '../helpers/warc-records';

const { dir, cleanup } = tempDir('bad');
afterAll(cleanup);

function plainRecord(type: string, body: string, extra = ''): string {
  return `WARC/1.1\r\nWARC-Type: ${type}\r\nWARC-Record-ID: <urn:uuid:${type}-1>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}\r\n\r\n`;
}

async function readTolerant(source: string | NodeJS.ReadableStream): Promise<{ types: string[]; issues: ReadIssue[]; blocks: Buffer[] }> {
  const reader = new WarcReader(source);
  const types: string[] = [];
  const blocks: Buffer[] = [];
  for await (const r of reader) {
    types.push(r.type);
    blocks.push(await r.readBlock());
  }
  return { types, issues: reader.issues.filter((i) => i.severity === 'error'), blocks };
}

async function readStrict(path: string): Promise<void> {
  for await (const r of new WarcReader(path, { strict: true })) await r.finish();
}

async function writeSample(compression: 'gzip' | 'zstd', name: string): Promise<{ path: string; lastOffset: number }> {
  const sub = join(dir, name);
  mkdirSync(sub);
  const writer = new WarcWriter({ directory: sub, compression, hostname: 'bad' });
  let lastOffset = 0;
  for (const pair of exchanges(5, 9)) lastOffset = (await writer.write(pair))[1].offset;
  await writer.close();
  return { path: join(sub, writer.filenames[0]), lastOffset };
}

describe(`bad input (backend ${backend.name})`, () => {
  const truncation = (compression: 'gzip' | 'zstd'): void => {
    test(`truncated ${compression}: complete records read, the cut one reported; strict mode throws with its offset`, async () => {
      const { path, lastOffset } = await writeSample(compression, `trunc-${compression}`);
      const data = readFileSync(path);
      const cut = join(dir, `cut.warc.${compression}`);
      writeFileSync(cut, data.subarray(0, lastOffset + Math.floor((data.length - lastOffset) / 2)));
      const { types, issues } = await readTolerant(cut);
      const complete = ['warcinfo', ...Array(4).fill(['response', 'request']).flat(), 'response'];
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ offset: lastOffset, kind: 'truncated' });
      if (types.length === complete.length + 1) {
        // gzip streams out the half member: the record is seen, cut short.
        expect(types).toEqual([...complete, 'request']);
        expect(issues[0].recordType).toBe('request');
      } else {
        // zstd emits whole blocks only: half a small frame yields nothing, the cut is reported between records.
        expect(types).toEqual(complete);
      }
      await expect(readStrict(cut)).rejects.toMatchObject({ code: 'ERR_WARC_TRUNCATED', offset: lastOffset });
    });
  };
  truncation('gzip');
  if (backend.zstdAvailable) truncation('zstd');
  else
    test('zstd missing (by design on this backend): writing zstd, with or without a dictionary, rejects with ERR_ZSTD_UNAVAILABLE and leaves no file', async () => {
      expectZstdMissingByDesign();
      const dictionary = readFileSync(join(FIXTURES, 'gowarc--zstd-dictionary.bin'));
      for (const [name, extra] of [['no-zstd', {}], ['no-zstd-dict', { zstdDictionary: dictionary }]] as const) {
        const sub = join(dir, name);
        mkdirSync(sub);
        const writer = new WarcWriter({ directory: sub, compression: 'zstd', hostname: 'bad', ...extra });
        await expect(writer.write(exchanges(1)[0])).rejects.toMatchObject(zstdUnavailable());
        await writer.close();
        expect(readdirSync(sub)).toEqual([]);
      }
    });

  test('a file that is not WARC at all: no records, one clear problem; strict throws at offset 0', async () => {
    const text = join(dir, 'not-a-warc.txt');
    writeFileSync(text, 'hello, this is\njust some text\n'.repeat(100));
    const plain = await readTolerant(text);
    expect(plain.types).toEqual([]);
    expect(plain.issues).toEqual([expect.objectContaining({ kind: 'garbage', offset: 0 })]);
    await expect(readStrict(text)).rejects.toMatchObject({ code: 'ERR_WARC_PARSE', offset: 0 });

    const fakeGzip = join(dir, 'fake.warc.gz');
    writeFileSync(fakeGzip, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0]), seededBytes(3, 5000, false)]));
    const gz = await readTolerant(fakeGzip);
    expect(gz.types).toEqual([]);
    expect(gz.issues.length).toBeGreaterThan(0);
    await expect(readStrict(fakeGzip)).rejects.toMatchObject({ code: 'ERR_WARC_PARSE', offset: 0 });
  });

  test('a corrupted member in the middle: that record is reported, the ones after it are read', async () => {
    const sub = join(dir, 'corrupt-mid');
    mkdirSync(sub);
    const writer = new WarcWriter({ directory: sub, compression: 'gzip', hostname: 'c' });
    const written = [];
    for (const pair of exchanges(5, 12)) written.push(...(await writer.write(pair)));
    await writer.close();
    const data = Buffer.from(readFileSync(join(sub, writer.filenames[0])));
    const victim = written[4]; // the third response
    for (let i = victim.offset + 20; i < victim.offset + victim.length - 12; i += 7) data[i] ^= 0x5a;
    const path = join(dir, 'corrupt-mid.warc.gz');
    writeFileSync(path, data);
    const reader = new WarcReader(path);
    const ids: string[] = [];
    for await (const r of reader) {
      await r.finish();
      ids.push(r.id);
    }
    const errors = reader.issues.filter((i) => i.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0].offset).toBe(victim.offset);
    // Every record after the damaged member is read again.
    const after = written.slice(5).map((w) => w.id);
    expect(ids.slice(-after.length)).toEqual(after);
    expect(ids).toEqual(expect.arrayContaining(written.slice(0, 4).map((w) => w.id)));
    await expect(readStrict(path)).rejects.toMatchObject({ offset: victim.offset });
  });

  test('a gzip file ending in half a member header is reported, not ignored', async () => {
    const { path } = await writeSample('gzip', 'half-header');
    const cut = join(dir, 'half-header.warc.gz');
    writeFileSync(cut, Buffer.concat([readFileSync(path), Buffer.from([0x1f, 0x8b])]));
    const { types, issues } = await readTolerant(cut);
    expect(types).toHaveLength(11);
    expect(issues).toEqual([expect.objectContaining({ kind: 'truncated', offset: readFileSync(path).length })]);
  });

  test('writer options that cannot work are typed errors', () => {
    expect(() => new WarcWriter({ directory: dir, writers: 0 })).toThrow(expect.objectContaining({ code: 'ERR_WARC_INVALID_OPTION' }));
    expect(() => new WarcWriter({ directory: dir, compression: 'gzip', zstdDictionary: Buffer.alloc(8) })).toThrow(expect.objectContaining({ code: 'ERR_WARC_INVALID_OPTION' }));
    expect(() => new WarcWriter({ directory: dir, maxFileSize: -1 })).toThrow(expect.objectContaining({ code: 'ERR_WARC_INVALID_OPTION' }));
  });

  test('a missing dictionary file is a typed error, and nothing is written', async () => {
    const sub = join(dir, 'nodict');
    mkdirSync(sub);
    const writer = new WarcWriter({ directory: sub, compression: 'zstd', zstdDictionary: join(sub, 'missing.dict') });
    await expect(writer.write(exchanges(1)[0])).rejects.toMatchObject({ code: 'ERR_WARC_DICTIONARY', message: expect.stringMatching(/ENOENT/) });
    await writer.close();
    expect(readdirSync(sub)).toEqual([]);
  });

  test('an unreadable input is a typed error', async () => {
    await expect(readTolerant(join(dir, 'missing.warc'))).rejects.toMatchObject({ code: 'ERR_WARC_INPUT', message: expect.stringMatching(/ENOENT/) });
    await expect(readTolerant(dir)).rejects.toMatchObject({ code: 'ERR_WARC_INPUT', message: expect.stringMatching(/EISDIR/) });
  });

  test('an empty file has no records and no problems', async () => {
    const empty = join(dir, 'empty.warc');
    writeFileSync(empty, '');
    expect(await readTolerant(empty)).toEqual({ types: [], issues: [], blocks: [] });
  });

  test('an unknown record type is read, not refused', async () => {
    const path = join(dir, 'unknown-type.warc');
    writeFileSync(path, plainRecord('x-future-type', 'some data') + plainRecord('resource', 'r', 'WARC-Target-URI: http://a/\r\n'));
    const { types, issues, blocks } = await readTolerant(path);
    expect(types).toEqual(['x-future-type', 'resource']);
    expect(blocks[0].toString()).toBe('some data');
    expect(issues).toEqual([]);
    const report = await checkFile(path);
    expect(report.errors).toEqual([]);
  });

  test('huge header lines: bounded, a clear error, and reading goes on after them', async () => {
    const path = join(dir, 'huge-header.warc');
    const huge = `WARC/1.1\r\nWARC-Type: resource\r\nX-Huge: ${'a'.repeat(8 * 1024 * 1024)}\r\nContent-Length: 1\r\n\r\nx\r\n\r\n`;
    writeFileSync(path, huge + plainRecord('metadata', 'after'));
    const { types, issues } = await readTolerant(path);
    expect(types).toEqual(['resource', 'metadata']);
    expect(issues[0]).toMatchObject({ kind: 'header-too-long', offset: 0 });
    expect(issues[0].message).toMatch(/longer than 65536 bytes/);
    await expect(readStrict(path)).rejects.toMatchObject({ code: 'ERR_WARC_HEADER_TOO_LONG', offset: 0 });

    const many = join(dir, 'many-headers.warc');
    const lines = Array.from({ length: 40_000 }, (_, i) => `X-Field-${i}: ${'v'.repeat(30)}\r\n`).join('');
    writeFileSync(many, `WARC/1.1\r\nWARC-Type: resource\r\n${lines}Content-Length: 0\r\n\r\n\r\n\r\n`);
    await expect(readStrict(many)).rejects.toMatchObject({ code: 'ERR_WARC_HEADER_TOO_LONG', message: expect.stringMatching(/larger than 1048576 bytes/) });
  });

  test('missing Content-Length, garbage between records, NUL padding: reported and skipped', async () => {
    const path = join(dir, 'mixed.warc');
    const noLength = 'WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:nolen>\r\n\r\nbody without length\r\n\r\n';
    writeFileSync(path, plainRecord('metadata', 'one') + 'GARBAGE LINE\r\nmore garbage\r\n' + plainRecord('metadata', 'two') + '\0'.repeat(64) + noLength + plainRecord('metadata', 'three'));
    const { types, issues, blocks } = await readTolerant(path);
    expect(types).toEqual(['metadata', 'metadata', 'resource', 'metadata']);
    expect(blocks.map((b) => b.toString())).toEqual(['one', 'two', '', 'three']);
    expect(issues.map((i) => i.kind)).toEqual(['garbage', 'header', 'garbage']);
    expect(issues[1].message).toBe('no Content-Length');
  });

  test('reads from a stream; a block streams in bounded chunks', async () => {
    const sub = join(dir, 'stream');
    mkdirSync(sub);
    const writer = new WarcWriter({ directory: sub, compression: 'gzip', hostname: 's' });
    const spool = backend.createSpool({ memoryLimit: 64 * 1024 });
    const big = seededBytes(7, 8 * 1024 * 1024, false);
    for (let i = 0; i < big.length; i += 1 << 20) spool.append(big.subarray(i, i + (1 << 20)));
    await writer.write([{ type: 'resource', id: '<urn:uuid:big>', date: new Date(), targetUri: 'http://big/', contentType: 'application/octet-stream', block: spool }]);
    await writer.close();
    const reader = new WarcReader(Readable.from(createReadStream(join(sub, writer.filenames[0]))));
    let largest = 0;
    let total = 0;
    for await (const r of reader) {
      if (r.type !== 'resource') continue;
      for await (const chunk of r.block()) {
        largest = Math.max(largest, chunk.length);
        total += chunk.length;
      }
    }
    expect(total).toBe(big.length);
    expect(largest).toBeLessThanOrEqual(256 * 1024);
  });

  test('reading a block twice is a typed error', async () => {
    const path = join(dir, 'twice.warc');
    writeFileSync(path, plainRecord('metadata', 'x'));
    for await (const r of new WarcReader(path)) {
      await r.readBlock();
      await expect(r.readBlock()).rejects.toMatchObject({ code: 'ERR_WARC_BLOCK_CONSUMED' });
    }
  });
});
