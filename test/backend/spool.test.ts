import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackendError } from '../../src/backend/errors';
import type { Spool } from '../../src/backend/types';
import { DEFAULT_SPOOL } from '../../src/defaults';
import { backendUnderTest, descriptorsInto, makeTempDir, removeDir, seededBytes } from '../helpers/backend-tools';

const backend = backendUnderTest();

let tempDir: string;
beforeEach(() => {
  tempDir = makeTempDir('spool'); // one per test: its descriptors are this test's temp files
});
afterEach(() => removeDir(tempDir));

function fill(spool: Spool, data: Buffer, chunk: number): void {
  for (let offset = 0; offset < data.length; offset += chunk) spool.append(data.subarray(offset, offset + chunk));
}

function expectTempFileGone(): void {
  expect(descriptorsInto(tempDir)).toEqual([]);
  expect(fs.readdirSync(tempDir)).toEqual([]);
}

function errorOf(fn: () => unknown): BackendError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return err as BackendError;
  }
  throw new Error('expected a BackendError');
}

describe(`Spool (${backend.name} backend)`, () => {
  test('the default limit keeps 8 MiB in RAM; the next byte moves the spool to its temp file', () => {
    const spool = backend.createSpool({ tempDir });
    const data = seededBytes(DEFAULT_SPOOL.memoryLimit, 7);
    spool.append(data);
    expect(spool.onDisk).toBe(false);
    spool.append(Buffer.from('x'));
    expect(spool.onDisk).toBe(true);
    expect(spool.read(DEFAULT_SPOOL.memoryLimit - 4, 5).equals(Buffer.concat([data.subarray(-4), Buffer.from('x')]))).toBe(true);
    spool.close();
  });

  test('all spools of the process hold at most the RAM budget; closing gives the RAM back', () => {
    const MiB = 1024 * 1024;
    expect(DEFAULT_SPOOL.ramBudget).toBe(256 * MiB);
    const big = { memoryLimit: 400 * MiB, tempDir };
    const chunk = Buffer.alloc(16 * MiB, 0x61);
    const spools: Spool[] = [];
    const open = (): Spool => {
      const spool = backend.createSpool(big);
      spools.push(spool);
      return spool;
    };
    try {
      const a = open();
      for (let i = 0; i < 12; i++) a.append(chunk); // 192 MiB
      expect(a.onDisk).toBe(false);
      const b = open();
      for (let i = 0; i < 4; i++) b.append(chunk); // 192 + 64: exactly the budget
      expect(b.onDisk).toBe(false);
      b.append(Buffer.from('b')); // one byte over: b moves to its temp file, its 64 MiB are free again
      expect(b.onDisk).toBe(true);
      expect(b.read(64 * MiB - 2, 3).toString()).toBe('aab');
      const c = open();
      for (let i = 0; i < 4; i++) c.append(chunk);
      expect(c.onDisk).toBe(false);
      a.close();
      c.close();
      // Closed spools gave their RAM back: a new one may hold 240 MiB.
      const d = open();
      for (let i = 0; i < 15; i++) d.append(chunk);
      expect(d.onDisk).toBe(false);
    } finally {
      for (const spool of spools) spool.close();
    }
  });

  test('below the limit: stays in RAM, reads back any range', () => {
    const spool = backend.createSpool({ memoryLimit: 64 * 1024, tempDir });
    const data = seededBytes(64 * 1024, 1);
    fill(spool, data, 1000);
    expect(spool.size).toBe(data.length);
    expect(spool.onDisk).toBe(false);
    expect(descriptorsInto(tempDir)).toEqual([]);
    expect(spool.read(0, data.length).equals(data)).toBe(true);
    expect(spool.read(1234, 5000).equals(data.subarray(1234, 6234))).toBe(true);
    expect(spool.read(data.length - 10, 100).equals(data.subarray(data.length - 10))).toBe(true); // short at the end
    expect(spool.read(data.length, 10).length).toBe(0);
    spool.close();
    expectTempFileGone();
  });

  test('above the limit: moves to an unlinked 0600 temp file in tempDir, content intact', () => {
    const spool = backend.createSpool({ memoryLimit: 64 * 1024, tempDir });
    const data = seededBytes(300_000, 2);
    fill(spool, data, 4099);
    expect(spool.onDisk).toBe(true);
    expect(spool.size).toBe(data.length);
    const open = descriptorsInto(tempDir);
    expect(open.length).toBe(1);
    expect(path.basename(open[0]!.target)).toMatch(/^warcwire-spool-/);
    // The temp file is unlinked: no name in the directory, the link says "(deleted)".
    expect(open[0]!.target.endsWith(' (deleted)')).toBe(true);
    expect(fs.readdirSync(tempDir)).toEqual([]);
    expect(fs.statSync(`/proc/self/fd/${open[0]!.fd}`).mode & 0o777).toBe(0o600);
    expect(spool.read(0, data.length).equals(data)).toBe(true);
    expect(spool.read(65_530, 20).equals(data.subarray(65_530, 65_550))).toBe(true); // across the RAM/disk split
    spool.close();
    spool.close(); // idempotent
    expectTempFileGone();
  });

  test('fullOnDisk writes to the temp file from the first byte', () => {
    const spool = backend.createSpool({ fullOnDisk: true, tempDir });
    spool.append(Buffer.from('a'));
    expect(spool.onDisk).toBe(true);
    expect(descriptorsInto(tempDir).length).toBe(1);
    expect(spool.read(0, 10).toString()).toBe('a');
    spool.close();
    expectTempFileGone();
  });

  test('appended chunks are copied: later changes to the caller buffer do not leak in', () => {
    const spool = backend.createSpool({ memoryLimit: 10, tempDir });
    const chunk = Buffer.from('12345');
    spool.append(chunk);
    chunk.fill(0x78);
    spool.append(Buffer.from('6789012')); // crosses the limit
    expect(spool.read(0, 100).toString()).toBe('123456789012');
    spool.close();
  });

  test('use after close is ERR_SPOOL_CLOSED', () => {
    const spool = backend.createSpool({ tempDir });
    spool.append(Buffer.from('x'));
    spool.close();
    expect(errorOf(() => spool.append(Buffer.from('y'))).code).toBe('ERR_SPOOL_CLOSED');
    expect(errorOf(() => spool.read(0, 1)).code).toBe('ERR_SPOOL_CLOSED');
  });

  test('a missing tempDir is ERR_SPOOL_IO when the spool needs the disk, and nothing leaks', () => {
    const missing = path.join(tempDir, 'does-not-exist');
    const spool = backend.createSpool({ memoryLimit: 4, tempDir: missing });
    spool.append(Buffer.from('abcd'));
    const error = errorOf(() => spool.append(Buffer.from('efgh')));
    expect(error.code).toBe('ERR_SPOOL_IO');
    expect(error.message).toContain(missing);
    // Nothing accepted is lost: the bytes before the failure are still there.
    expect(spool.read(0, 100).toString()).toBe('abcd');
    spool.close();
    expectTempFileGone();
    expect(errorOf(() => backend.createSpool({ fullOnDisk: true, tempDir: missing })).code).toBe('ERR_SPOOL_IO');
    expectTempFileGone();
  });

  test('the temp file is gone after an error in the code using the spool', () => {
    const useAndFail = () => {
      const spool = backend.createSpool({ memoryLimit: 0, tempDir });
      try {
        spool.append(seededBytes(10_000, 3));
        expect(descriptorsInto(tempDir).length).toBe(1);
        throw new Error('the exchange failed half way');
      } finally {
        spool.close();
      }
    };
    expect(useAndFail).toThrow('the exchange failed half way');
    expectTempFileGone();
  });

  test('bad options are ERR_INVALID_OPTION', () => {
    expect(errorOf(() => backend.createSpool({ memoryLimit: -1 })).code).toBe('ERR_INVALID_OPTION');
  });
});
