/**
 * Native-only behaviour of the record sink and spool: compression stays off the main
 * thread, a spool closed before the worker reads it fails only its own record, a spool
 * from the js backend is accepted, and no descriptor is left behind; the thread budget
 * (its size, and a sink waiting for it is kept alive).
 */
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import { jsBackend } from '../../src/backend/js';
import { loadNativeBackend, nativeAddonPath } from '../../src/backend/native';
import { runTsChild } from '../helpers/backend-child';
import { gunzipCli, makeTempDir, removeDir, seededBytes, textBytes, unzstdCli } from '../helpers/backend-tools';

const native = loadNativeBackend();
const CRLF2 = Buffer.from('\r\n\r\n');

let dir: string;
beforeEach(() => {
  dir = makeTempDir('native-sink');
});
afterEach(() => removeDir(dir));

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('native record sink', () => {
  test('the event loop keeps turning while 24 MiB are compressed (gzip-6)', async () => {
    const sink = await native.openRecordSink(path.join(dir, 'big.warc.gz'), { compression: 'gzip', level: 6 });
    const blocks = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? seededBytes(2 << 20, i) : textBytes(2 << 20, i)));
    const gaps: number[] = [];
    let last = process.hrtime.bigint();
    const timer = setInterval(() => {
      const now = process.hrtime.bigint();
      gaps.push(Number(now - last) / 1e6);
      last = now;
    }, 1);
    const started = Date.now();
    const loopBefore = performance.eventLoopUtilization();
    await Promise.all(blocks.map((block, i) => sink.append(Buffer.from(`H${i}\r\n\r\n`), block)));
    const busy = performance.eventLoopUtilization(loopBefore).utilization;
    const elapsed = Date.now() - started;
    clearInterval(timer);
    await sink.close();
    // Compressing 24 MiB takes far longer than one tick: had it run on the main thread,
    // the timer would have stalled for the whole of it, and the loop been busy all along.
    // The loop's own busy share is the check that holds on a loaded machine (other test
    // workers, a browser): time the OS gives to other processes counts as idle, not busy,
    // whereas a gap percentile measures the machine as much as the sink.
    expect(elapsed).toBeGreaterThan(100);
    expect(gaps.length).toBeGreaterThan(elapsed / 20);
    expect(Math.max(...gaps)).toBeLessThan(elapsed / 2);
    expect(busy).toBeLessThan(0.5);
    const expected = Buffer.concat(blocks.flatMap((block, i) => [Buffer.from(`H${i}\r\n\r\n`), block, CRLF2]));
    expect(gunzipCli(path.join(dir, 'big.warc.gz')).equals(expected)).toBe(true);
  });

  test('records compressed ahead and streamed ones interleave in call order (zstd, 300 appends)', async () => {
    const file = path.join(dir, 'mixed.warc.zst');
    const sink = await native.openRecordSink(file, { compression: 'zstd', level: 3 });
    const sizes = [100, 3000, 200_000, 0, 40_000];
    const blocks = Array.from({ length: 300 }, (_, i) =>
      // Records 7 and 157 are over the 16 MiB compress-ahead limit (157 spooled): they stream.
      i % 150 === 7 ? textBytes(17 << 20, i) : i % 2 ? textBytes(sizes[i % sizes.length]!, i) : seededBytes(sizes[i % sizes.length]!, i),
    );
    const spools: ReturnType<typeof native.createSpool>[] = [];
    const results = await Promise.all(
      blocks.map((block, i) => {
        if (i % 3 !== 0) return sink.append(Buffer.from(`H${i}\r\n\r\n`), block);
        const spool = native.createSpool({ tempDir: dir, memoryLimit: 64 * 1024 });
        spool.append(block);
        spools.push(spool);
        return sink.append(Buffer.from(`H${i}\r\n\r\n`), spool);
      }),
    );
    await sink.close();
    for (const spool of spools) spool.close();
    let offset = 0;
    for (const result of results) {
      expect(result.offset).toBe(offset);
      offset += result.length;
    }
    expect(fs.statSync(file).size).toBe(offset);
    const expected = Buffer.concat(blocks.flatMap((block, i) => [Buffer.from(`H${i}\r\n\r\n`), block, CRLF2]));
    expect(unzstdCli(file).equals(expected)).toBe(true);
  });

  test('gzip records of 8-16 MiB, compressed as parallel slices, are each one valid member', async () => {
    const file = path.join(dir, 'sliced.warc.gz');
    const sink = await native.openRecordSink(file, { compression: 'gzip', level: 6 });
    const slice = 512 * 1024;
    // Totals (header + block + CRLFCRLF) just under, at and just over slice boundaries.
    const header = (i: number) => Buffer.from(`H${String(i).padStart(3, '0')}\r\n\r\n`); // 8 bytes
    const sizes = [16 * slice - 12 - 1, 16 * slice - 12, 16 * slice - 12 + 1, 17 * slice + 7, (16 << 20) - 12, 10 << 20];
    const blocks = sizes.map((n, i) => (i % 2 ? seededBytes(n, i) : textBytes(n, i)));
    const results = await Promise.all(
      blocks.map((block, i) => {
        if (i < 3) return sink.append(header(i), block);
        const spool = native.createSpool({ tempDir: dir, memoryLimit: 300_000 });
        spool.append(block);
        return sink.append(header(i), spool).finally(() => spool.close());
      }),
    );
    await sink.close();
    const bytes = fs.readFileSync(file);
    results.forEach((r, i) => {
      const member = bytes.subarray(r.offset, r.offset + r.length);
      // gunzip checks each member's CRC-32; the trailer's size covering the whole record proves it is ONE member.
      expect(zlib.gunzipSync(member).equals(Buffer.concat([header(i), blocks[i]!, CRLF2]))).toBe(true);
      expect(member[member.length - 8 + 4]! + member[member.length - 8 + 5]! * 256).toBe((8 + sizes[i]! + 4) & 0xffff);
    });
    expect(gunzipCli(file).equals(Buffer.concat(blocks.flatMap((b, i) => [header(i), b, CRLF2])))).toBe(true);
    // Slices cost next to nothing in size: within 0.5 % of one zlib pass at the same level.
    const whole = blocks.reduce((n, b, i) => n + zlib.gzipSync(Buffer.concat([header(i), b, CRLF2]), { level: 6 }).length, 0);
    expect(bytes.length).toBeLessThan(whole * 1.005);
  });

  test('a spool closed before the worker reads it fails that record only; the file stays whole', async () => {
    const file = path.join(dir, 'closed-spool.warc.zst');
    const sink = await native.openRecordSink(file, { compression: 'zstd' });
    const first = await sink.append(Buffer.from('A\r\n\r\n'), Buffer.from('first'));
    // Records over 16 MiB stream through the single writer; a large one ahead keeps it
    // busy, so the spooled record is read well after close().
    const big = seededBytes(24 << 20, 3);
    const busy = sink.append(Buffer.from('BIG\r\n\r\n'), big);
    const spool = native.createSpool({ tempDir: dir, memoryLimit: 1024 });
    spool.append(textBytes(17 << 20, 1));
    const pending = sink.append(Buffer.from('B\r\n\r\n'), spool);
    spool.close();
    const second = await busy;
    const error = await pending.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('ERR_SPOOL_CLOSED');
    const third = await sink.append(Buffer.from('C\r\n\r\n'), Buffer.from('third'));
    expect(second.offset).toBe(first.offset + first.length);
    expect(third.offset).toBe(second.offset + second.length);
    await sink.close();
    expect(fs.statSync(file).size).toBe(third.offset + third.length);
    const expected = Buffer.concat([
      Buffer.from('A\r\n\r\nfirst\r\n\r\nBIG\r\n\r\n'),
      big,
      Buffer.from('\r\n\r\nC\r\n\r\nthird\r\n\r\n'),
    ]);
    expect(unzstdCli(file).equals(expected)).toBe(true);
  });

  test('a spool of the js backend is accepted as a block', async () => {
    const file = path.join(dir, 'js-spool.warc');
    const sink = await native.openRecordSink(file, { compression: 'none' });
    const spool = jsBackend.createSpool({ tempDir: dir, memoryLimit: 10 });
    const data = textBytes(50_000, 7);
    spool.append(data);
    const result = await sink.append(Buffer.from('H\r\n\r\n'), spool);
    spool.close();
    await sink.close();
    expect(result).toEqual({ offset: 0, length: 5 + data.length + 4 });
    expect(fs.readFileSync(file).equals(Buffer.concat([Buffer.from('H\r\n\r\n'), data, CRLF2]))).toBe(true);
  });

  test('no descriptor outlives its sink or spool', async () => {
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      const spool = native.createSpool({ tempDir: dir, fullOnDisk: true });
      spool.append(textBytes(10_000, i));
      const sink = await native.openRecordSink(path.join(dir, `f${i}.warc.gz`), { compression: i % 2 ? 'gzip' : 'zstd' });
      await sink.append(Buffer.from('H\r\n\r\n'), spool);
      spool.close();
      await sink.close();
    }
    // A sink whose open fails holds nothing either.
    await expect(native.openRecordSink(path.join(dir, 'missing', 'x.warc'), { compression: 'none' })).rejects.toMatchObject({
      code: 'ERR_SINK_OPEN',
      syscallCode: 'ENOENT',
    });
    expect(openFds()).toBe(before);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('warcwire-spool-'))).toEqual([]);
  });
});

describe('native record sink waiting for the thread budget', () => {
  test('a sink whose append waits for a budget slot is not collected with its record', async () => {
    const result = await runTsChild(path.join(__dirname, 'children', 'budget-waiter-gc.ts'), {
      env: { WARCWIRE_BACKEND: 'native', UV_THREADPOOL_SIZE: '3' },
      timeoutMs: 60_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ settled: 'resolved' });
  }, 90_000);
});

describe('the thread budget follows UV_THREADPOOL_SIZE', () => {
  test.each([
    [undefined, 2],
    ['8', 6],
    ['3', 1],
    ['1', 1],
  ])('UV_THREADPOOL_SIZE=%s: %i slots', (size, slots) => {
    loadNativeBackend();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['UV_THREADPOOL_SIZE'];
    if (size !== undefined) env['UV_THREADPOOL_SIZE'] = size;
    const addon = JSON.stringify(nativeAddonPath());
    const out = execFileSync(process.execPath, ['-e', `process.stdout.write(String(require(${addon}).threadBudget))`], { env });
    expect(Number(out.toString())).toBe(slots);
  });
});
