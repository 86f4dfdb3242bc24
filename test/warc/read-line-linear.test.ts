/**
 * Lines are found in one pass: a segment without `\n` is searched once, not once per
 * 64 KiB line (the old cursor searched the whole rest of the segment for every line:
 * a 1 MB newline-free segment cost ~8 MB of searching, 64 MB cost ~32 GB).
 */
import { Cursor } from '../../src/warc/read/read-cursor';
import type { Segment } from '../../src/warc/read/read-segments';
import { WarcReader } from '../../src/warc/read/reader';
import { backend } from '../helpers/warc-backend';

/** A buffer whose indexOf() adds the bytes it examined to `counter.scanned`. */
function countingBuffer(data: Buffer, counter: { scanned: number }): Buffer {
  const search = Buffer.prototype.indexOf;
  Object.defineProperty(data, 'indexOf', {
    value(value: number, from: number) {
      const at = search.call(data, value, from);
      counter.scanned += (at < 0 ? data.length : at + 1) - from;
      return at;
    },
  });
  return data;
}

async function* segments(...list: Segment[]): AsyncGenerator<Segment> {
  yield* list;
}

const WARC = Buffer.from('WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Length: 2\r\n\r\nok\r\n\r\n');

describe('line scanning is linear', () => {
  test('readLine over a 4 MiB segment without newline examines each byte about once', async () => {
    const counter = { scanned: 0 };
    const size = 4 * 1024 * 1024;
    const data = countingBuffer(Buffer.alloc(size, 0x78), counter);
    const cursor = new Cursor(segments({ data, member: 0 }));
    let lines = 0;
    let bytes = 0;
    for (let got = await cursor.readLine(64 * 1024); got !== null; got = await cursor.readLine(64 * 1024)) {
      if (!('line' in got)) throw new Error('unexpected break');
      expect(got.tooLong).toBe(true);
      lines++;
      bytes += got.line.length;
    }
    expect(lines).toBe(64);
    expect(bytes).toBe(size);
    expect(counter.scanned).toBeGreaterThanOrEqual(size); // the counter does see the search
    expect(counter.scanned).toBeLessThanOrEqual(size + 64 * 2);
  });

  test('a line split by the length limit is still found where it ends', async () => {
    const counter = { scanned: 0 };
    const data = countingBuffer(Buffer.from('aaaaaaaaaa\nbb\n'), counter);
    const cursor = new Cursor(segments({ data, member: 0 }));
    const lines: string[] = [];
    for (let got = await cursor.readLine(4); got !== null; got = await cursor.readLine(4)) {
      if (!('line' in got)) throw new Error('unexpected break');
      lines.push(`${got.line.toString()}${got.tooLong ? '…' : ''}`);
    }
    expect(lines).toEqual(['aaaa…', 'aaaa…', 'aa\n', 'bb\n']);
    expect(counter.scanned).toBeLessThanOrEqual(data.length + 3);
  });

  test(`1 MB of newline-free garbage before a record: reported once, record read (${backend.name})`, async () => {
    const garbage = Buffer.alloc(1_000_000, 0x78);
    const reader = new WarcReader(
      (async function* () {
        yield Buffer.concat([garbage, Buffer.from('\n'), WARC]); // one segment, as a large decoded piece would be
      })(),
      { backend },
    );
    const types: string[] = [];
    for await (const record of reader) {
      types.push(record.type);
      expect((await record.readBlock()).toString()).toBe('ok');
    }
    expect(types).toEqual(['resource']);
    expect(reader.issues.map((i) => [i.kind, i.message])).toEqual([['garbage', '1000001 bytes that are not a WARC record (skipped)']]);
  });
});
