import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findField } from '../../src/warc/header';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcReader } from '../../src/warc/read/reader';
import { verifyRecord } from '../../src/warc/tools/verify';
import { WarcWriter, type WrittenRecord } from '../../src/warc/write/writer';
import { backend, FIXTURES, tempDir } from '../helpers/warc-backend';
import { exchanges, seededBytes } from '../helpers/warc-records';

const dictionary = readFileSync(join(FIXTURES, 'gowarc--zstd-dictionary.bin'));

/** A mixed batch: exchanges, a DNS resource, metadata, a revisit, and a large block on a disk Spool. */
function workload(): WarcRecord[][] {
  const batches: WarcRecord[][] = exchanges(6, 3).map((pair) => [...pair]);
  const spool = backend.createSpool({ memoryLimit: 1024 });
  const big = seededBytes(99, 300_000, false);
  for (let i = 0; i < big.length; i += 50_000) spool.append(big.subarray(i, i + 50_000));
  batches.push([
    {
      type: 'resource',
      id: newRecordId(),
      date: '2024-05-06T07:08:09.5Z',
      targetUri: 'dns:example.com',
      contentType: 'text/dns',
      fields: [['WARC-IP-Address', '127.0.0.53']],
      block: Buffer.from('20240506070809\nexample.com.\t300\tIN\tA\t93.184.216.34\n'),
    },
    { type: 'metadata', id: newRecordId(), date: new Date(), targetUri: 'http://example.com/', contentType: 'application/warc-fields', block: Buffer.from('outlink: http://example.com/a\r\n') },
    {
      type: 'revisit',
      id: newRecordId(),
      date: new Date(),
      targetUri: 'http://example.com/page/3/0?b=2&a=1',
      contentType: 'application/http; msgtype=response',
      fields: [
        ['WARC-Profile', 'http://netpreserve.org/warc/1.1/revisit/identical-payload-digest'],
        ['WARC-Refers-To-Target-URI', 'http://example.com/page/3/0?b=2&a=1'],
        ['WARC-Payload-Digest', 'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ'],
      ],
      block: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    },
    { type: 'resource', id: newRecordId(), date: new Date(), targetUri: 'http://example.com/big.bin', contentType: 'application/octet-stream', block: spool },
  ]);
  return batches;
}

function blockOf(record: WarcRecord): Buffer {
  const b = record.block;
  return b instanceof Uint8Array ? Buffer.from(b) : b.read(0, b.size);
}

const modes = [
  { name: 'gzip', options: { compression: 'gzip' as const }, ext: '.warc.gz' },
  { name: 'zstd', options: { compression: 'zstd' as const }, ext: '.warc.zst' },
  { name: 'zstd+dictionary', options: { compression: 'zstd' as const, zstdDictionary: dictionary }, ext: '.warc.zst' },
  { name: 'none', options: { compression: 'none' as const }, ext: '.warc' },
];

describe.each(modes)(`round trip, $name (backend ${backend.name})`, ({ options, ext }) => {
  const needsZstd = options.compression === 'zstd';
  const { dir, cleanup } = tempDir('rt');
  afterAll(cleanup);

  if (needsZstd && !backend.zstdAvailable) {
    test('zstd is unavailable on this backend: a typed error, no file left behind', async () => {
      const writer = new WarcWriter({ directory: dir, ...options, hostname: 'test' });
      await expect(writer.write(exchanges(1)[0])).rejects.toMatchObject({ code: 'ERR_ZSTD_UNAVAILABLE' });
      await writer.close();
      expect(readdirSync(dir)).toEqual([]);
    });
    return;
  }

  test('every record comes back with its fields, block, digest, offset and length', async () => {
    const writer = new WarcWriter({ directory: dir, ...options, hostname: 'test', prefix: 'RT', warcinfo: { operator: 'tests' } });
    const batches = workload();
    const expected = batches.flat().map((r) => ({ id: r.id, type: r.type, block: blockOf(r), fields: r.fields }));
    const written: WrittenRecord[] = [];
    for (const batch of batches) written.push(...(await writer.write(batch)));
    await writer.close();
    await writer.close(); // idempotent

    expect(writer.filenames).toHaveLength(1);
    const name = writer.filenames[0];
    expect(name).toMatch(new RegExp(`^RT-\\d{17}-00000-test${ext.replace(/\./g, '\\.')}$`));
    expect(readdirSync(dir)).toEqual([name]); // renamed, no .open left
    const path = join(dir, name);
    const head = readFileSync(path).subarray(0, 4);
    if ('zstdDictionary' in options) expect(head.readUInt32LE(0)).toBe(0x184d2a5d);

    const reader = new WarcReader(path);
    const got: Array<{ id: string; type: string; block: Buffer; offset: number; length?: number; get(n: string): string | undefined }> = [];
    for await (const r of reader) {
      const outcome = await verifyRecord(r);
      expect(outcome.block).toBe('ok');
      await r.finish();
      expect(r.version).toBe('WARC/1.1');
      expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
      got.push({ id: r.id, type: r.type, block: Buffer.alloc(0), offset: r.offset, ...(r.length !== undefined ? { length: r.length } : {}), get: (n) => r.get(n) });
    }
    expect(reader.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(reader.compression).toBe(options.compression);
    expect(got[0].type).toBe('warcinfo');
    expect(got[0].get('WARC-Filename')).toBe(name);
    expect(got.slice(1).map((r) => r.id)).toEqual(expected.map((r) => r.id));
    // Offsets and lengths the writer reported are where the reader found the records.
    expect(got.slice(1).map((r) => [r.offset, r.length])).toEqual(written.map((w) => [w.offset, w.length]));
    for (const w of written) expect(w.filename).toBe(name);
    for (let i = 0; i < expected.length; i++) {
      for (const [n, v] of expected[i].fields ?? []) if (n !== 'WARC-Concurrent-To') expect(got[i + 1].get(n)).toBe(v);
    }

    // Blocks, byte for byte (second pass reading the blocks).
    const blocks: Buffer[] = [];
    for await (const r of new WarcReader(path)) blocks.push(await r.readBlock());
    expect(blocks.slice(1)).toEqual(expected.map((r) => r.block));
    const info = blocks[0].toString();
    expect(info).toContain('software: warcwire/');
    expect(info).toContain('format: WARC File Format 1.1');
    expect(info).toContain('conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/');
    expect(info).toContain('hostname: test');
    expect(info).toContain('operator: tests');
  });

  test('a caller-supplied WARC-Block-Digest is kept; sha256/base16 when configured', async () => {
    const writer = new WarcWriter({ directory: dir, ...options, hostname: 'digests', digestAlgorithm: 'sha256' });
    const [resp, req] = exchanges(1, 7)[0];
    const given = 'sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    await writer.write([{ ...resp, fields: [...(resp.fields ?? []), ['WARC-Block-Digest', given]] }, req]);
    await writer.close();
    const seen: Array<string | undefined> = [];
    for await (const r of new WarcReader(join(dir, writer.filenames[0]))) seen.push(r.get('WARC-Block-Digest'));
    expect(seen[1]).toBe(given);
    expect(seen[2]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(findField(req.fields, 'WARC-Block-Digest')).toBeUndefined();
  });
});
