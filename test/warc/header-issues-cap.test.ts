/**
 * Header problems are collected in linear time and capped per record. The old
 * reader looked WARC-Record-ID and WARC-Type up across every field for each
 * issue: 80k malformed lines among 80k fields without those two took minutes.
 */
import { MAX_HEADER_LINE_ISSUES, WarcReader } from '../../src/warc/read/reader';
import { backend } from '../helpers/warc-backend';

const MALFORMED = 80_000;

function headerBomb(): Buffer {
  const lines = ['WARC/1.1'];
  for (let i = 0; i < MALFORMED; i++) lines.push('A:b', 'x');
  lines.push('Content-Length: 2', '', 'ok', '', '');
  return Buffer.from(lines.join('\r\n'));
}

test(`80k malformed header lines: the first ${MAX_HEADER_LINE_ISSUES} are reported, then one count`, async () => {
  const data = headerBomb();
  expect(data.length).toBeLessThan(1024 * 1024); // within the default maxHeaderSize
  const reader = new WarcReader(
    (async function* () {
      yield data;
    })(),
    { backend },
  );
  const records = [];
  for await (const record of reader) {
    expect((await record.readBlock()).toString()).toBe('ok');
    await record.finish();
    records.push(record);
  }
  expect(records).toHaveLength(1);
  expect(records[0]!.headers).toHaveLength(MALFORMED + 1);
  const header = records[0]!.issues.filter((i) => i.kind === 'header');
  expect(header).toHaveLength(MAX_HEADER_LINE_ISSUES + 1);
  expect(header.slice(0, MAX_HEADER_LINE_ISSUES).every((i) => i.message === 'malformed header line "x"')).toBe(true);
  expect(header[MAX_HEADER_LINE_ISSUES]!.message).toBe(`${MALFORMED - MAX_HEADER_LINE_ISSUES} more malformed header lines (${MALFORMED} in all)`);
  expect(reader.issues).toEqual(records[0]!.issues);
}, 20_000);
