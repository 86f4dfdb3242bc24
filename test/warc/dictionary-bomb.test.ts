/**
 * A dictionary frame is decompressed within the 64 MiB dictionary limit: a
 * file whose leading dictionary frame holds a zstd RLE frame expanding past it
 * is refused with ERR_WARC_DICTIONARY (the old reader decompressed it whole).
 */
import { MAX_DICTIONARY } from '../../src/warc/dictionary';
import { WarcReader } from '../../src/warc/read/reader';
import { zstdTest } from '../helpers/backend-tools';
import { backend } from '../helpers/warc-backend';
import { rleBomb, skippableFrame } from '../helpers/zstd-frames';


async function readAll(bytes: Buffer): Promise<number> {
  let records = 0;
  const reader = new WarcReader(
    (async function* () {
      yield bytes;
    })(),
    { backend },
  );
  for await (const record of reader) {
    await record.finish();
    records++;
  }
  return records;
}

zstdTest('a dictionary frame expanding past 64 MiB is ERR_WARC_DICTIONARY', async () => {
  const file = Buffer.concat([skippableFrame(rleBomb(MAX_DICTIONARY + 1, 0x78), 0x0d), rleBomb(16)]);
  expect(file.length).toBeLessThan(4096);
  await expect(readAll(file)).rejects.toMatchObject({ code: 'ERR_WARC_DICTIONARY', message: expect.stringMatching(/more than 67108864 bytes/) });
});
