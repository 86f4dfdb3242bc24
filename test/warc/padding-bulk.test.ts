/**
 * Padding between records is skipped in bulk. The old reader consumed it one
 * byte per `await`: 200 MB of NULs took minutes. The input is streamed from one
 * reused 1 MiB buffer, so the test needs neither disk nor 200 MB of memory.
 */
import { WarcReader } from '../../src/warc/read/reader';
import { backend } from '../helpers/warc-backend';

const MiB = 1024 * 1024;
const PADDING_MIB = 200;

function record(id: number): Buffer {
  return Buffer.from(`WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:${id}>\r\nContent-Length: 2\r\n\r\nok\r\n\r\n`);
}

async function* paddedPair(fill: number): AsyncGenerator<Buffer> {
  yield record(1);
  const padding = Buffer.alloc(MiB, fill);
  for (let i = 0; i < PADDING_MIB; i++) yield padding;
  yield record(2);
}

test.each([
  ['NUL', 0x00],
  ['space', 0x20],
])(`${PADDING_MIB} MiB of %s padding between two records is skipped and counted once`, async (_name, fill) => {
  const reader = new WarcReader(paddedPair(fill), { backend });
  const ids: string[] = [];
  for await (const r of reader) {
    expect((await r.readBlock()).toString()).toBe('ok');
    ids.push(r.id);
  }
  expect(ids).toEqual(['<urn:uuid:1>', '<urn:uuid:2>']);
  expect(reader.issues.map((i) => [i.kind, i.severity, i.message])).toEqual([['padding', 'note', `${PADDING_MIB * MiB} padding bytes between records`]]);
}, 30_000);
