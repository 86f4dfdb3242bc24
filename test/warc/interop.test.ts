/** Our files read by independent implementations: the warcio npm package and the zstd CLI. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WarcwireError } from '../../src/errors';
import { checkFile } from '../../src/warc/tools/check';
import { WarcReader } from '../../src/warc/read/reader';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { verifyRecord } from '../../src/warc/tools/verify';
import { WarcWriter, type WrittenRecord } from '../../src/warc/write/writer';
import { backend, expectZstdMissingByDesign, FIXTURES, tempDir, zstdUnavailable } from '../helpers/warc-backend';
import { readAll } from '../helpers/warc-read';
import { exchanges, httpChunkedResponse, seededBytes } from '../helpers/warc-records';
import { warcioRead, zstdCli, zstdFileFromCli, zstdFrames, type WarcioRecord } from '../helpers/warc-tools';

const dictionary = readFileSync(join(FIXTURES, 'gowarc--zstd-dictionary.bin'));

function batches(): WarcRecord[][] {
  const out: WarcRecord[][] = exchanges(8, 11).map((p) => [...p]);
  out.push([
    {
      type: 'response',
      id: newRecordId(),
      date: new Date(),
      targetUri: 'http://example.com/chunked',
      contentType: 'application/http; msgtype=response',
      block: httpChunkedResponse([seededBytes(5, 1000), seededBytes(6, 3000)]),
    },
    { type: 'resource', id: newRecordId(), date: new Date(), targetUri: 'dns:example.com', contentType: 'text/dns', block: Buffer.from('example.com. 300 IN A 127.0.0.1\n') },
  ]);
  return out;
}

async function writeFile(dir: string, options: Partial<ConstructorParameters<typeof WarcWriter>[0]>): Promise<{ path: string; written: WrittenRecord[]; ids: string[] }> {
  const writer = new WarcWriter({ directory: dir, hostname: 'interop', ...options });
  const written: WrittenRecord[] = [];
  const ids: string[] = [];
  for (const b of batches()) {
    ids.push(...b.map((r) => r.id));
    written.push(...(await writer.write(b)));
  }
  await writer.close();
  return { path: join(dir, writer.filenames[0]), written, ids };
}

/** warcio.js counts a plain record's length without its CRLFCRLF trailer; we count it (offset + length = next offset). */
function expectSameAsWritten(records: WarcioRecord[], ids: string[], written: WrittenRecord[] | undefined, trailerExcluded = 0): void {
  expect(records[0].type).toBe('warcinfo');
  expect(records.slice(1).map((r) => r.id)).toEqual(ids);
  for (const r of records) {
    // warcio's own sha1 over the block equals the WARC-Block-Digest we wrote.
    expect(r.blockDigest).toBe(r.sha1);
    expect(r.blockLength).toBe(r.contentLength);
  }
  if (written) expect(records.slice(1).map((r) => [r.offset, r.length + trailerExcluded])).toEqual(written.map((w) => [w.offset, w.length]));
}

describe(`interop (backend ${backend.name})`, () => {
  const { dir, cleanup } = tempDir('interop');
  afterAll(cleanup);

  test('gzip: warcio reads the same records, digests, offsets and lengths', async () => {
    const { path, written, ids } = await writeFile(dir, { compression: 'gzip', prefix: 'GZ' });
    expectSameAsWritten(warcioRead(path), ids, written);
  });

  test('gzip: every member at the reported offset decodes alone with the gzip CLI', async () => {
    const { path, written } = await writeFile(dir, { compression: 'gzip', prefix: 'GZ2' });
    const data = readFileSync(path);
    for (const w of written) {
      const member = data.subarray(w.offset, w.offset + w.length);
      expect(member[0]).toBe(0x1f);
      const gz = spawnSync('gzip', ['-dc'], { input: member });
      expect(gz.status).toBe(0);
      const text = gz.stdout.toString('latin1');
      expect(text.startsWith('WARC/1.1\r\n')).toBe(true);
      expect(text.endsWith('\r\n\r\n')).toBe(true);
      expect(text).toContain(w.id);
    }
  });

  test('none: warcio reads the same records and digests', async () => {
    const { path, written, ids } = await writeFile(dir, { compression: 'none', prefix: 'PLAIN' });
    expectSameAsWritten(warcioRead(path), ids, written, 4);
  });

  /** A plain fixture, and the same bytes as one zstd frame made by the zstd CLI. */
  const plainFixture = join(FIXTURES, 'warcio--example.warc');
  const zstdFromCli = (): string => {
    const path = join(dir, 'from-cli.warc.zst');
    zstdFileFromCli(plainFixture, path);
    return path;
  };

  if (!backend.zstdAvailable) {
    describe('zstd missing (by design on this backend)', () => {
      test('a .warc.zst made by the zstd CLI: strict, tolerant and check all fail with ERR_ZSTD_UNAVAILABLE, no fd left open', async () => {
        expectZstdMissingByDesign();
        const path = zstdFromCli();
        const fds = (): number => readdirSync('/proc/self/fd').length;
        const before = fds();
        for (const strict of [true, false]) {
          const seen: string[] = [];
          const read = async (): Promise<void> => {
            for await (const r of new WarcReader(path, { strict })) seen.push(r.type);
          };
          const error: unknown = await read().then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(WarcwireError);
          expect(error).toMatchObject(zstdUnavailable());
          expect(seen).toEqual([]);
        }
        await expect(checkFile(path)).rejects.toMatchObject(zstdUnavailable());
        // The file stream closes asynchronously after the error.
        for (let i = 0; i < 40 && fds() > before; i++) await new Promise((r) => setTimeout(r, 25));
        expect(fds()).toBeLessThanOrEqual(before);
      });
    });
    return;
  }

  describe('zstd', () => {
    test('a .warc.zst made by the zstd CLI (one frame for the whole file) reads as the plain file does', async () => {
      const path = zstdFromCli();
      const zst = await readAll(path, { strict: true });
      const plain = await readAll(plainFixture, { strict: true });
      expect(zst.records.length).toBeGreaterThan(0);
      expect(zst.records.map((r) => [r.type, r.id, r.headers, r.block])).toEqual(plain.records.map((r) => [r.type, r.id, r.headers, r.block]));
      expect((await checkFile(path)).errors).toEqual([]);
    });

    test('zstd CLI decodes the file; every frame has content size and checksum; warcio reads the result', async () => {
      const { path, written, ids } = await writeFile(dir, { compression: 'zstd', prefix: 'ZST' });
      const frames = zstdFrames(readFileSync(path));
      expect(frames.length).toBe(ids.length + 1);
      for (const f of frames) {
        expect(f.skippable).toBe(false);
        expect(f.contentSizeFlag).toBe(true);
        expect(f.checksumFlag).toBe(true);
      }
      expect(frames.slice(1).map((f) => [f.offset, f.length])).toEqual(written.map((w) => [w.offset, w.length]));
      const decoded = zstdCli(['-dc', path]);
      expect(decoded.status).toBe(0);
      expectSameAsWritten(warcioRead(null, decoded.stdout), ids, undefined);
    });

    test('dictionary: skippable frame first; the CLI decodes frames given the extracted dictionary', async () => {
      const { path, ids } = await writeFile(dir, { compression: 'zstd', prefix: 'ZDICT', zstdDictionary: dictionary });
      const data = readFileSync(path);
      const frames = zstdFrames(data);
      expect(frames[0]).toMatchObject({ offset: 0, skippable: true, magic: 0x184d2a5d });
      const dictId = dictionary.readUInt32LE(4);
      for (const f of frames.slice(1)) {
        expect(f).toMatchObject({ skippable: false, contentSizeFlag: true, checksumFlag: true, dictionaryId: dictId });
      }
      // Extract: the skippable frame holds the dictionary as one zstd frame.
      const payload = data.subarray(8, frames[0].length);
      const dict = zstdCli(['-dc'], payload);
      expect(dict.status).toBe(0);
      expect(dict.stdout.equals(dictionary)).toBe(true);
      const dictPath = join(dir, 'extracted.dict');
      writeFileSync(dictPath, dict.stdout);
      const without = zstdCli(['-dc', path]);
      expect(without.status).not.toBe(0);
      const decoded = zstdCli(['-dc', '-D', dictPath, path]);
      expect(decoded.status).toBe(0);
      expectSameAsWritten(warcioRead(null, decoded.stdout), ids, undefined);
    });

    test('a dictionary frame holding the raw dictionary (not compressed) reads too', async () => {
      const { path, ids } = await writeFile(dir, { compression: 'zstd', prefix: 'ZRAW', zstdDictionary: dictionary });
      const data = readFileSync(path);
      const first = zstdFrames(data)[0];
      const rawFrame = Buffer.alloc(8);
      rawFrame.writeUInt32LE(0x184d2a5d, 0);
      rawFrame.writeUInt32LE(dictionary.length, 4);
      const rewritten = join(dir, 'raw-dict.warc.zst');
      writeFileSync(rewritten, Buffer.concat([rawFrame, dictionary, data.subarray(first.length)]));
      const seen: string[] = [];
      const reader = new WarcReader(rewritten, { strict: true });
      for await (const r of reader) {
        expect((await verifyRecord(r)).block).toBe('ok');
        seen.push(r.id);
      }
      expect(seen.slice(1)).toEqual(ids);
      expect(reader.compression).toBe('zstd');
    });
  });
});
