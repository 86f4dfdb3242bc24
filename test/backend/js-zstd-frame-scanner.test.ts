/**
 * The js backend finds zstd frame ends by walking frame and block headers.
 * This runs on every Node (Node 20 has no zlib zstd to decode with), checking
 * the scanner against frames made by the real zstd CLI.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackendError } from '../../src/backend/errors';
import { ZstdFrameScanner } from '../../src/backend/js/zstd-frame-scanner';
import { DICTIONARY_PATH, makeTempDir, removeDir, seededBytes, textBytes } from '../helpers/backend-tools';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('scanner');
});
afterAll(() => removeDir(dir));

function frameEnds(scanner: ZstdFrameScanner, data: Buffer, chunkSize: number): number[] {
  const ends: number[] = [];
  let position = 0;
  for (let start = 0; start < data.length; start += chunkSize) {
    let rest = data.subarray(start, start + chunkSize);
    while (rest.length > 0) {
      const step = scanner.scan(rest);
      position += step.length;
      rest = rest.subarray(step.length);
      if (step.frameEnd) ends.push(position);
    }
  }
  return ends;
}

test('frame ends match zstd(1) frames: raw, RLE, compressed blocks, with/without checksum, dictionary, skippable, empty', () => {
  const inputs = [Buffer.alloc(0), Buffer.alloc(400_000, 0x41), seededBytes(300_000, 1), textBytes(600_000, 2)];
  const frames: Buffer[] = [];
  inputs.forEach((input, i) => {
    const file = path.join(dir, `in-${i}`);
    fs.writeFileSync(file, input);
    frames.push(execFileSync('zstd', ['-q', '-c', file]));
    frames.push(execFileSync('zstd', ['-q', '-c', '--no-check', '-9', file]));
    frames.push(execFileSync('zstd', ['-q', '-c', '-D', DICTIONARY_PATH, file]));
  });
  const skippable = Buffer.alloc(8 + 5);
  skippable.writeUInt32LE(0x184d2a5d, 0);
  skippable.writeUInt32LE(5, 4);
  frames.splice(1, 0, skippable);
  const data = Buffer.concat(frames);
  let sum = 0;
  const expected = frames.map((f) => (sum += f.length));
  for (const chunkSize of [1, 5, 1000, data.length]) {
    expect(frameEnds(new ZstdFrameScanner(), data, chunkSize)).toEqual(expected);
  }
});

test('a bad magic number is ERR_DECODE', () => {
  expect(() => new ZstdFrameScanner().scan(Buffer.from('GIF89a'))).toThrow(BackendError);
});
