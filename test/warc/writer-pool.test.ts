import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WarcReader } from '../../src/warc/read/reader';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcWriter, type WrittenRecord } from '../../src/warc/write/writer';
import { backend, tempDir } from '../helpers/warc-backend';
import { exchange, seededBytes } from '../helpers/warc-records';

/** Batches of identical size: the same body length, URLs of the same length. */
function sameSizeBatches(n: number): WarcRecord[][] {
  return Array.from({ length: n }, (_, i) => exchange(`http://example.com/${String(i).padStart(4, '0')}`, seededBytes(i + 1, 2000)));
}

async function typesIn(path: string): Promise<string[]> {
  const types: string[] = [];
  for await (const r of new WarcReader(path)) types.push(r.type);
  return types;
}

describe(`writer pool and rotation (backend ${backend.name})`, () => {
  const { dir: root, cleanup } = tempDir('pool');
  afterAll(cleanup);
  let n = 0;
  const fresh = (): string => {
    const d = join(root, String(n++));
    mkdirSync(d);
    return d;
  };

  test('maxFileSize: rotate before a batch that would pass it; every file starts with warcinfo', async () => {
    // Measure warcinfo and batch sizes with a throwaway writer.
    const probeDir = fresh();
    const probe = new WarcWriter({ directory: probeDir, compression: 'none', hostname: 'rot' });
    const [first] = sameSizeBatches(1);
    const w = await probe.write(first);
    await probe.close();
    const warcinfoSize = w[0].offset;
    const batchSize = w[0].length + w[1].length;

    const dir = fresh();
    const max = warcinfoSize + 3 * batchSize + Math.floor(batchSize / 2);
    const writer = new WarcWriter({ directory: dir, compression: 'none', hostname: 'rot', maxFileSize: max });
    const written: WrittenRecord[][] = [];
    for (const batch of sameSizeBatches(20)) written.push(await writer.write(batch));
    await writer.close();
    // 3 batches fit per file: 20 batches -> 7 files.
    expect(writer.filenames).toHaveLength(7);
    expect(readdirSync(dir).sort()).toEqual([...writer.filenames].sort());
    for (const name of writer.filenames) {
      expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(max);
      const types = await typesIn(join(dir, name));
      expect(types[0]).toBe('warcinfo');
      expect(types.filter((t) => t === 'warcinfo')).toHaveLength(1);
    }
    // A batch never straddles two files.
    for (const batch of written) expect(new Set(batch.map((r) => r.filename)).size).toBe(1);
    // Serial numbers count up per file.
    expect(writer.filenames.map((f) => f.split('-')[2])).toEqual(['00000', '00001', '00002', '00003', '00004', '00005', '00006']);
  });

  test('gzip rotation also gives several files, each starting with warcinfo', async () => {
    const dir = fresh();
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'rotgz', maxFileSize: 20_000 });
    for (const batch of sameSizeBatches(30)) await writer.write(batch);
    await writer.close();
    expect(writer.filenames.length).toBeGreaterThan(2);
    for (const name of writer.filenames) expect((await typesIn(join(dir, name)))[0]).toBe('warcinfo');
  });

  test('a batch bigger than maxFileSize still lands whole in one file', async () => {
    const dir = fresh();
    const writer = new WarcWriter({ directory: dir, compression: 'none', hostname: 'big', maxFileSize: 1000 });
    const a = await writer.write(exchange('http://example.com/a', seededBytes(1, 5000)));
    const b = await writer.write(exchange('http://example.com/b', seededBytes(2, 5000)));
    await writer.close();
    expect(a[0].filename).toBe(a[1].filename);
    expect(b[0].filename).not.toBe(a[0].filename);
    expect(writer.filenames).toHaveLength(2);
  });

  test('4 writers write 4 files concurrently, records never interleaved', async () => {
    const dir = fresh();
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'pool', writers: 4 });
    const batches = sameSizeBatches(40);
    const results = await Promise.all(batches.map((b) => writer.write(b)));
    const openNow = readdirSync(dir).filter((f) => f.endsWith('.open'));
    expect(openNow).toHaveLength(4);
    await writer.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.open'))).toEqual([]);
    expect(writer.filenames).toHaveLength(4);
    const perFile = new Map<string, number>();
    for (const [response, request] of results) {
      expect(request.filename).toBe(response.filename);
      expect(request.offset).toBe(response.offset + response.length);
      perFile.set(response.filename, (perFile.get(response.filename) ?? 0) + 1);
    }
    expect([...perFile.values()].sort()).toEqual([10, 10, 10, 10]);
    let total = 0;
    for (const name of writer.filenames) {
      const types = await typesIn(join(dir, name));
      expect(types[0]).toBe('warcinfo');
      expect(types.slice(1)).toEqual(Array.from({ length: types.length - 1 }, (_, i) => (i % 2 === 0 ? 'response' : 'request')));
      total += types.length - 1;
    }
    expect(total).toBe(80);
  });

  test('two writers on the same directory and prefix never overwrite each other', async () => {
    const dir = fresh();
    const a = new WarcWriter({ directory: dir, compression: 'none', hostname: 'same' });
    const b = new WarcWriter({ directory: dir, compression: 'none', hostname: 'same' });
    await Promise.all([a.write(sameSizeBatches(1)[0]), b.write(sameSizeBatches(1)[0])]);
    await Promise.all([a.close(), b.close()]);
    expect(a.filenames[0]).not.toBe(b.filenames[0]);
    expect(readdirSync(dir)).toHaveLength(2);
    for (const f of readdirSync(dir)) expect(await typesIn(join(dir, f))).toEqual(['warcinfo', 'response', 'request']);
  });

  test('invalid record: typed error, Spool closed, nothing written; write after close: typed error', async () => {
    const dir = fresh();
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'bad' });
    const spool = backend.createSpool();
    spool.append(Buffer.from('x'));
    const bad: WarcRecord = { type: 'warcinfo', id: newRecordId(), date: new Date(), targetUri: 'http://no/', block: spool };
    await expect(writer.write([bad])).rejects.toMatchObject({ code: 'ERR_WARC_INVALID_RECORD', field: 'WARC-Target-URI' });
    expect(() => spool.read(0, 1)).toThrow();
    expect(readdirSync(dir)).toEqual([]);
    await writer.close();
    const late = backend.createSpool();
    late.append(Buffer.from('y'));
    await expect(writer.write([{ ...bad, type: 'resource', block: late }])).rejects.toMatchObject({ code: 'ERR_WARC_WRITER_CLOSED' });
    expect(() => late.read(0, 1)).toThrow();
  });

  test('Spool blocks are closed once written', async () => {
    const dir = fresh();
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'spool' });
    const spool = backend.createSpool();
    spool.append(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'));
    await writer.write([{ type: 'response', id: newRecordId(), date: new Date(), targetUri: 'http://a/', contentType: 'application/http; msgtype=response', block: spool }]);
    expect(() => spool.read(0, 1)).toThrow();
    await writer.close();
  });

  test('a missing directory gives a typed error', async () => {
    const writer = new WarcWriter({ directory: join(root, 'does-not-exist'), hostname: 'x' });
    await expect(writer.write(sameSizeBatches(1)[0])).rejects.toMatchObject({ code: 'ERR_SINK_OPEN', syscallCode: 'ENOENT' });
    await writer.close();
  });
});
