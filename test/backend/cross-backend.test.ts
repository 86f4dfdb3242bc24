/**
 * native and js must agree: identical digests and byte-identical decoded
 * records from the same inputs (compressed bytes may differ). Under
 * WARCWIRE_BACKEND=native a missing addon fails here (loadBackend throws);
 * under js without the addon, the test checks the addon's absence is reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getBackend } from '../../src/backend';
import type { Backend, Compression } from '../../src/backend/types';
import { decodeMembers } from '../helpers/backend-decode';
import { backendUnderTest, gunzipCli, makeTempDir, nodeHasZstd, removeDir, seededBytes, textBytes, unzstdCli } from '../helpers/backend-tools';

const underTest = backendUnderTest();

function bothBackends(): { native: Backend; js: Backend } | undefined {
  try {
    return { native: getBackend('native'), js: getBackend('js') };
  } catch (err) {
    if (underTest.name === 'native') throw err; // cannot happen: loadBackend() already loaded it
    return undefined;
  }
}

const pair = bothBackends();

let dir: string;
beforeAll(() => {
  dir = makeTempDir('cross');
});
afterAll(() => removeDir(dir));

const INPUTS = [Buffer.alloc(0), Buffer.from('abc'), textBytes(100_000, 1), seededBytes(1_500_000, 2), textBytes(5_000_000, 3)];

describe('native and js backends agree', () => {
  if (pair === undefined) {
    test('the addon is absent here, and getBackend says so with ERR_BACKEND_UNAVAILABLE', () => {
      expect(underTest.name).toBe('js');
      expect(() => getBackend('native')).toThrow(expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE' }) as unknown as Error);
    });
    return;
  }
  const { native, js } = pair;

  test('identical digests and labels', () => {
    for (const input of INPUTS) {
      for (const algorithm of ['sha1', 'sha256'] as const) {
        const a = native.createDigest(algorithm);
        const b = js.createDigest(algorithm);
        for (let offset = 0; offset < input.length || offset === 0; offset += 77_777) {
          a.update(input.subarray(offset, offset + 77_777));
          b.update(input.subarray(offset, offset + 77_777));
          if (input.length === 0) break;
        }
        expect(a.label('base32')).toBe(b.label('base32'));
        expect(a.label('base16')).toBe(b.label('base16'));
        expect(a.label()).toBe(b.label());
      }
    }
  });

  const compressions: Compression[] = ['gzip', 'none', ...(nodeHasZstd ? (['zstd'] as const) : [])];
  test.each(compressions)('%s sinks: byte-identical decoded files; each decoder reads the other backend’s members', async (compression) => {
    const decoded: Buffer[] = [];
    for (const backend of [native, js]) {
      const file = path.join(dir, `${backend.name}.${compression}`);
      const sink = await backend.openRecordSink(file, { compression });
      const spool = backend.createSpool({ tempDir: dir, memoryLimit: 1 << 20 });
      spool.append(INPUTS[4]!);
      await Promise.all([...INPUTS.map((input, i) => sink.append(Buffer.from(`H${i}\r\n`), input)), sink.append(Buffer.from('S\r\n'), spool)]);
      await sink.close();
      spool.close();
      decoded.push(compression === 'gzip' ? gunzipCli(file) : compression === 'zstd' ? unzstdCli(file) : fs.readFileSync(file));
      if (compression !== 'none') {
        for (const reader of [native, js]) {
          const decoder = reader.createMemberDecoder({ compression });
          const result = decodeMembers(decoder, fs.readFileSync(file), 65536);
          decoder.close();
          expect(Buffer.concat(result.members).equals(decoded[decoded.length - 1]!)).toBe(true);
          expect(result.members.length).toBe(INPUTS.length + 1);
        }
      }
    }
    expect(decoded[0]!.equals(decoded[1]!)).toBe(true);
  });

  test('spools read back identically', () => {
    const a = native.createSpool({ tempDir: dir, memoryLimit: 100_000 });
    const b = js.createSpool({ tempDir: dir, memoryLimit: 100_000 });
    for (const input of INPUTS) {
      a.append(input);
      b.append(input);
    }
    expect(a.size).toBe(b.size);
    expect(a.onDisk).toBe(b.onDisk);
    for (const [offset, length] of [[0, 10], [99_990, 20], [a.size - 5, 100]] as const) {
      expect(a.read(offset, length).equals(b.read(offset, length))).toBe(true);
    }
    a.close();
    b.close();
  });
});
