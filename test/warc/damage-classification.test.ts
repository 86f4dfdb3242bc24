/**
 * The native and js decoders classify the same damage the same way: a reader
 * over each damaged file reports the same records (offset, length, type, whole
 * or cut) and the same issues (offset, kind, severity) with either backend.
 * Messages may differ: they quote each decoder's own explanation.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { getBackend } from '../../src/backend';
import type { Backend } from '../../src/backend/types';
import { WarcReader } from '../../src/warc/read/reader';
import { nodeHasZstd, zstdTest } from '../helpers/backend-tools';
import { backend, tempDir } from '../helpers/warc-backend';
import { zstdFrame } from '../helpers/zstd-frames';

function record(n: number): Buffer {
  const block = Buffer.from(`record ${n} `.repeat(200));
  const head = `WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:${n}>\r\nContent-Length: ${block.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), block, Buffer.from('\r\n\r\n')]);
}

type Encode = (plain: Buffer, options?: { contentSize?: bigint }) => Buffer;
const gzip: Encode = (plain) => zlib.gzipSync(plain);
const zstd: Encode = (plain, options = {}) =>
  zstdFrame([{ type: 'raw', size: plain.length, data: plain }], { checksum: true, ...(options.contentSize !== undefined ? { contentSize: options.contentSize } : {}) });

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0x55;
  return copy;
}

/** Damaged files made of three one-record members. */
function damaged(encode: Encode, kind: 'gzip' | 'zstd'): Array<[string, Buffer]> {
  const [a, b, c] = [record(1), record(2), record(3)].map((r) => encode(r)) as [Buffer, Buffer, Buffer];
  const cases: Array<[string, Buffer]> = [
    ['intact', Buffer.concat([a, b, c])],
    ['last member cut in half', Buffer.concat([a, b, c.subarray(0, c.length >> 1)])],
    ['cut inside the last member header', Buffer.concat([a, b, c.subarray(0, 5)])],
    ['garbage between members', Buffer.concat([a, Buffer.from('not compressed at all\n'.repeat(10)), b, c])],
    ['garbage after the last member', Buffer.concat([a, b, c, Buffer.from('trailing junk')])],
    ['corrupt data in the middle member', Buffer.concat([a, flip(b, b.length >> 1), c])],
    ['corrupt checksum of the middle member', Buffer.concat([a, flip(b, b.length - (kind === 'gzip' ? 6 : 2)), c])],
    ['bad magic in the middle member', Buffer.concat([a, flip(b, 1), c])],
  ];
  if (kind === 'zstd') {
    cases.push(['middle frame declares 2^60 bytes', Buffer.concat([a, encode(record(2), { contentSize: 1n << 60n }), c])]);
  }
  return cases;
}

interface Reading {
  records: Array<[number, number | undefined, string, boolean]>;
  issues: Array<[number, string, string]>;
}

async function read(file: string, with_: Backend): Promise<Reading> {
  const reader = new WarcReader(file, { backend: with_ });
  const records: Reading['records'] = [];
  for await (const r of reader) {
    await r.readBlock();
    await r.finish();
    records.push([r.offset, r.length, r.type, r.complete]);
  }
  return { records, issues: reader.issues.map((i) => [i.offset, i.kind, i.severity]) };
}

let native: Backend | undefined;
try {
  native = getBackend('native');
} catch (err) {
  if (backend.name === 'native') throw err;
}
const js = getBackend('js');
const dir = tempDir('damage');
afterAll(() => dir.cleanup());

const formats: Array<['gzip' | 'zstd', Encode]> = [['gzip', gzip]];
if (nodeHasZstd) formats.push(['zstd', zstd]);

describe('native and js readers classify damage alike', () => {
  if (native === undefined) {
    test('the addon is absent here, so there is nothing to compare', () => {
      expect(backend.name).toBe('js');
    });
    return;
  }
  const nativeBackend = native;
  for (const [kind, encode] of formats) {
    test.each(damaged(encode, kind))(`${kind}: %s`, async (name, bytes) => {
      const file = join(dir.dir, `${kind}-${name.replace(/\W+/g, '-')}.warc.${kind === 'gzip' ? 'gz' : 'zst'}`);
      writeFileSync(file, bytes);
      const [fromNative, fromJs] = await Promise.all([read(file, nativeBackend), read(file, js)]);
      expect(fromJs).toEqual(fromNative);
      if (name === 'intact') expect(fromNative.issues).toEqual([]);
      else expect(fromNative.issues.length).toBeGreaterThan(0);
    });
  }
});

// Without zstd in this Node the js side cannot decode zstd; the native side still must classify these.
(nodeHasZstd || native === undefined ? describe.skip : describe)('zstd damage (native only on this Node)', () => {
  test.each(damaged(zstd, 'zstd'))('zstd: %s', async (name, bytes) => {
    const file = join(dir.dir, `native-zstd-${name.replace(/\W+/g, '-')}.warc.zst`);
    writeFileSync(file, bytes);
    const got = await read(file, native!);
    if (name === 'intact') expect(got.issues).toEqual([]);
    else expect(got.issues.length).toBeGreaterThan(0);
  });
});

zstdTest(`a corrupt member is named once in the issue (${backend.name})`, async () => {
  // A frame that declares 1.5 MiB of content and holds 3 MiB: the decoder rejects it once
  // output is under way, so the reader reports the member as broken with the decoder's words.
  const blocks = Array.from({ length: 24 }, () => ({ type: 'rle' as const, size: 128 * 1024, byte: 0x20 }));
  const file = join(dir.dir, 'corrupt-member.warc.zst');
  writeFileSync(file, zstdFrame(blocks, { contentSize: 1536 * 1024 }));
  const reader = new WarcReader(file, { backend });
  for await (const r of reader) await r.finish();
  const messages = reader.issues.map((i) => i.message);
  expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/corrupt zstd/)]));
  // The decoder's message already says what is corrupt; the reader used to prefix it again.
  for (const message of messages) expect(message).not.toMatch(/corrupt zstd \w+: corrupt/);
});
