/**
 * A response/request pair lands whole or not at all, even when the disk fills up
 * between its two records (a 1 MiB tmpfs, mounted by the test: needs root, which CI has).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcWriter } from '../../src/warc/write/writer';
import { backend } from '../helpers/warc-backend';
import { readAll } from '../helpers/warc-read';
import { exchange, seededBytes } from '../helpers/warc-records';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const rootOnly = isRoot ? describe : describe.skip;

rootOnly(`record pairs on a full disk (backend ${backend.name})`, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warcwire-pair-atomic-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir]);
  });
  afterEach(() => {
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  });

  test.each([
    ['none', 'one after another'],
    ['gzip', 'one after another'],
    ['none', 'all at once'],
    ['gzip', 'all at once'],
  ] as const)('%s, %s: no file holds a request without its response, or no pair at all; every resolved pair is there, no rejected one', async (compression, timing) => {
    const writer = new WarcWriter({ directory: dir, compression, hostname: 'full', backend });
    const resolved: string[] = [];
    const rejected: string[] = [];
    const writes: Array<Promise<unknown>> = [];
    // 150 KiB incompressible responses: the disk fills inside the 7th one; a small request still fits after it.
    for (let i = 0; i < 10; i++) {
      const pair = exchange(`http://example.com/${i}`, seededBytes(i + 1, 150 * 1024, false));
      const ids = pair.map((r) => r.id);
      const write = writer.write(pair).then(
        () => resolved.push(...ids),
        () => rejected.push(...ids),
      );
      if (timing === 'one after another') await write;
      writes.push(write);
    }
    await Promise.all(writes);
    await writer.close().catch(() => undefined);
    expect(resolved.length).toBeGreaterThanOrEqual(8);
    expect(rejected.length).toBeGreaterThanOrEqual(2);

    const present: string[] = [];
    for (const name of readdirSync(dir)) {
      const { records } = await readAll(join(dir, name));
      const ids = new Set(records.map((r) => r.id));
      // A file left with nothing but its warcinfo after a failure is litter, not an archive.
      expect({ file: name, pairs: records.some((r) => r.type === 'response') }).toEqual({ file: name, pairs: true });
      for (const r of records) {
        if (r.type !== 'request' && r.type !== 'response') continue;
        present.push(r.id);
        const partner = r.headers.find(([n]) => n === 'WARC-Concurrent-To')?.[1];
        expect({ file: name, type: r.type, partnerPresent: ids.has(partner as string) }).toEqual({ file: name, type: r.type, partnerPresent: true });
      }
    }
    expect(present.sort()).toEqual([...resolved].sort());
  });
  test('a file whose warcinfo cannot be written is removed, and the write rejects typed', async () => {
    // Fill the disk to the last byte first.
    const filler = join(dir, 'filler');
    expect(() => writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024))).toThrow(/ENOSPC/);
    const writer = new WarcWriter({ directory: dir, compression: 'none', hostname: 'full', backend });
    await expect(writer.write(exchange('http://example.com/', seededBytes(1, 1024)))).rejects.toMatchObject({ code: 'ERR_SINK_WRITE' });
    await writer.close();
    expect(readdirSync(dir)).toEqual(['filler']);
  });
});
