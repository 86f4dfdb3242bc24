import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { checkFile } from '../../src/warc/tools/check';
import { WarcError } from '../../src/warc/errors';
import { applyMend, planMend } from '../../src/warc/tools/mend';
import { WarcReader } from '../../src/warc/read/reader';
import { WarcWriter } from '../../src/warc/write/writer';
import { exchanges } from '../helpers/warc-records';
import { backend, expectZstdMissingByDesign, FIXTURES, tempDir, zstdUnavailable } from '../helpers/warc-backend';
import { zstdFileFromCli } from '../helpers/warc-tools';

const REGISTER = join(__dirname, '..', 'helpers', 'warc-ts-register.js');
const CHILD = join(__dirname, 'crash-writer.child.ts');

async function ids(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of new WarcReader(path)) out.push(r.id);
  return out;
}

/** Runs the writer child until it reported `batches` resolved writes, then SIGKILLs it. */
function runAndKill(dir: string, compression: string, batches: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, CHILD, dir, compression], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    const resolved: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() as string;
      for (const line of lines) if (line.startsWith('ok ')) resolved.push(...line.slice(3).split(' '));
      if (!killed && resolved.length >= batches * 2) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(resolved);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe(`mend (backend ${backend.name})`, () => {
  const { dir: root, cleanup } = tempDir('mend');
  afterAll(cleanup);

  const crash = (compression: string): void => {
    test(`crash (${compression}): after SIGKILL, mend keeps every record whose write() resolved, and check passes`, async () => {
      const dir = join(root, `crash-${compression}`);
      mkdirSync(dir);
      const resolved = await runAndKill(dir, compression, 40);
      const open = readdirSync(dir).filter((f) => f.endsWith('.open'));
      expect(open.length).toBeGreaterThanOrEqual(1);
      const actions: string[] = [];
      for (const f of open) {
        const plan = await planMend(join(dir, f), backend);
        actions.push(plan.action);
        await applyMend(plan);
      }
      if (process.env.WARCWIRE_TEST_VERBOSE) console.log(compression, actions, resolved.length);
      const files = readdirSync(dir);
      expect(files.filter((f) => f.endsWith('.open'))).toEqual([]);
      const present = new Set<string>();
      for (const f of files) {
        const report = await checkFile(join(dir, f));
        expect({ f, errors: report.errors }).toEqual({ f, errors: [] });
        expect(report.records[0].type).toBe('warcinfo');
        for (const id of await ids(join(dir, f))) present.add(id);
      }
      const missing = resolved.filter((id) => !present.has(id));
      expect(missing).toEqual([]);
    });
  };
  crash('gzip');
  crash('none');
  if (backend.zstdAvailable) crash('zstd');
  else
    test('zstd missing (by design on this backend): planning to mend a .warc.zst.open fails with ERR_ZSTD_UNAVAILABLE, the file untouched', async () => {
      expectZstdMissingByDesign();
      const dir = join(root, 'no-zstd');
      mkdirSync(dir);
      const open = join(dir, 'from-cli.warc.zst.open');
      zstdFileFromCli(join(FIXTURES, 'warcio--example.warc'), open);
      const before = readFileSync(open);
      // Unreadable is not damage: mend must not plan to remove or cut a file it cannot read.
      await expect(planMend(open, backend)).rejects.toMatchObject(zstdUnavailable());
      expect(readdirSync(dir)).toEqual(['from-cli.warc.zst.open']);
      expect(readFileSync(open).equals(before)).toBe(true);
    });

  test('a file cut inside its last member: mend cuts back to the last complete record', async () => {
    const dir = join(root, 'cut');
    mkdirSync(dir);
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'cut' });
    let last = { offset: 0, length: 0 };
    for (const pair of exchanges(4, 2)) last = (await writer.write(pair))[1];
    await writer.close();
    const path = join(dir, writer.filenames[0]);
    const data = readFileSync(path);
    writeFileSync(path + '.open', data.subarray(0, last.offset + Math.floor(last.length / 2)));
    unlinkSync(path);
    const plan = await planMend(path + '.open', backend);
    expect(plan).toMatchObject({ action: 'truncate', keep: last.offset, records: 8 });
    await applyMend(plan);
    expect(readFileSync(path).equals(data.subarray(0, last.offset))).toBe(true);
    expect((await checkFile(path)).errors).toEqual([]);
  });

  test('gowarc .open fixtures: keep complete records, cut the rest, leave non-.open files alone', async () => {
    const dir = join(root, 'fixtures');
    mkdirSync(dir);
    const names = [
      'gowarc--good.warc.gz.open',
      'gowarc--single-record.warc.gz.open',
      'gowarc--empty.warc.gz.open',
      'gowarc--corrupted-mid-record.warc.gz.open',
      'gowarc--corrupted-trailing-bytes.warc.gz.open',
      'gowarc--skip-non-open.warc.gz',
    ];
    for (const n of names) copyFileSync(join(FIXTURES, n), join(dir, n));
    const plans = new Map<string, Awaited<ReturnType<typeof planMend>>>();
    for (const n of names) plans.set(n, await planMend(join(dir, n), backend));
    expect(names.map((n) => [n, plans.get(n)?.action, plans.get(n)?.records])).toEqual([
      ['gowarc--good.warc.gz.open', 'rename', 50],
      ['gowarc--single-record.warc.gz.open', 'rename', 1],
      ['gowarc--empty.warc.gz.open', 'remove', 0],
      ['gowarc--corrupted-mid-record.warc.gz.open', 'truncate', 12],
      ['gowarc--corrupted-trailing-bytes.warc.gz.open', 'truncate', 30],
      ['gowarc--skip-non-open.warc.gz', 'skip', 0],
    ]);
    const skipBefore = readFileSync(join(dir, 'gowarc--skip-non-open.warc.gz'));
    for (const plan of plans.values()) await applyMend(plan);
    expect(readdirSync(dir).sort()).toEqual([
      'gowarc--corrupted-mid-record.warc.gz',
      'gowarc--corrupted-trailing-bytes.warc.gz',
      'gowarc--good.warc.gz',
      'gowarc--single-record.warc.gz',
      'gowarc--skip-non-open.warc.gz',
    ]);
    expect(readFileSync(join(dir, 'gowarc--skip-non-open.warc.gz')).equals(skipBefore)).toBe(true);
    expect(statSync(join(dir, 'gowarc--corrupted-trailing-bytes.warc.gz')).size).toBe(2362);
    for (const f of readdirSync(dir)) expect((await checkFile(join(dir, f))).errors).toEqual([]);
    expect(await ids(join(dir, 'gowarc--corrupted-mid-record.warc.gz'))).toHaveLength(12);
  });
  /** Flips the last block byte of the records at `positions` (member by member for gzip), so each fails its block digest. */
  async function withDigestMismatches(path: string, compression: 'gzip' | 'none', positions: number[]): Promise<Buffer> {
    const spans: Array<{ offset: number; length: number }> = [];
    for await (const r of new WarcReader(path)) {
      await r.finish();
      spans.push({ offset: r.offset, length: r.length as number });
    }
    const data = readFileSync(path);
    const parts = spans.map((s) => data.subarray(s.offset, s.offset + s.length));
    for (const p of positions) {
      const plain = Buffer.from(compression === 'gzip' ? gunzipSync(parts[p]) : parts[p]);
      plain[plain.length - 5] ^= 0x01; // the block's last byte, before the CRLFCRLF trailer
      parts[p] = compression === 'gzip' ? gzipSync(plain) : plain;
    }
    return Buffer.concat(parts);
  }

  // Position 0 is the warcinfo, 3 a response in the middle.
  for (const compression of ['gzip', 'none'] as const)
    for (const positions of [[0, 3], [3]])
    test(`block-digest mismatches at records ${positions.join(', ')} (${compression}): mend keeps every record and the file`, async () => {
      const dir = join(root, `digest-${compression}-${positions.join('-')}`);
      mkdirSync(dir);
      const writer = new WarcWriter({ directory: dir, compression, hostname: 'digest' });
      for (const pair of exchanges(3, 3)) await writer.write(pair);
      await writer.close();
      const path = join(dir, writer.filenames[0]);
      const want = await ids(path);
      expect(want).toHaveLength(7);
      const damaged = await withDigestMismatches(path, compression, positions);
      writeFileSync(path + '.open', damaged);
      unlinkSync(path);
      const report = await checkFile(path + '.open');
      expect(report.errors.filter((e) => /digest mismatch/.test(e.message))).toHaveLength(positions.length);
      const plan = await planMend(path + '.open', backend);
      expect(plan).toMatchObject({ action: 'rename', records: 7, keep: damaged.length });
      await applyMend(plan);
      expect(readFileSync(path).equals(damaged)).toBe(true);
      expect(await ids(path)).toEqual(want);
    });
  test('mending onto an existing file fails with ERR_WARC_MEND_TARGET_EXISTS, both files untouched', async () => {
    const dir = join(root, 'target-exists');
    mkdirSync(dir);
    const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'exists' });
    await writer.write(exchanges(1, 4)[0]);
    await writer.close();
    const path = join(dir, writer.filenames[0]);
    copyFileSync(path, path + '.open');
    const plan = await planMend(path + '.open', backend);
    const error = await applyMend(plan).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WarcError);
    expect(error).toMatchObject({ code: 'ERR_WARC_MEND_TARGET_EXISTS', message: expect.stringContaining(`${path} already exists`) });
    expect(readdirSync(dir).sort()).toEqual([writer.filenames[0], writer.filenames[0] + '.open']);
  });
  // Garbage where a crash cannot put it (a disk error, a bad copy): the records on both sides stay.
  const garbageCases = [
    ['none', 'first'],
    ['none', 'middle'],
    ['gzip', 'first'],
    ['gzip', 'middle'],
    ...(backend.zstdAvailable ? [['zstd', 'middle'] as const] : []),
  ] as const;
  for (const [compression, where] of garbageCases)
    test(`garbage before the ${where} record (${compression}): mend cuts out only the garbage, every record kept`, async () => {
      const dir = join(root, `garbage-${where}-${compression}`);
      mkdirSync(dir);
      // zstd with a dictionary: the dictionary frame that opens the file must stay.
      const dictionary = compression === 'zstd' ? { zstdDictionary: readFileSync(join(FIXTURES, 'gowarc--zstd-dictionary.bin')) } : {};
      const writer = new WarcWriter({ directory: dir, compression, hostname: 'garbage', ...dictionary });
      const landed = [];
      for (const pair of exchanges(3, 5)) landed.push(...(await writer.write(pair)));
      await writer.close();
      const path = join(dir, writer.filenames[0]);
      const original = readFileSync(path);
      const at = where === 'first' ? 0 : landed[2]!.offset;
      writeFileSync(path + '.open', Buffer.concat([original.subarray(0, at), Buffer.from('garbage here\r\n'), original.subarray(at)]));
      unlinkSync(path);
      const plan = await planMend(path + '.open', backend);
      if (compression === 'gzip' && where === 'first') {
        // The compression is told from the first bytes: garbage there hides every gzip member
        // from the reader, so mend cannot place a record, and leaves the file as it is.
        expect(plan).toMatchObject({ action: 'skip', records: 0, damage: { kind: 'garbage', offset: 0 } });
        await applyMend(plan);
        expect(readdirSync(dir)).toEqual([writer.filenames[0] + '.open']);
        return;
      }
      expect(plan).toMatchObject({ action: 'rewrite', records: 7, keep: original.length, damage: { kind: 'garbage', offset: at } });
      await applyMend(plan);
      expect(readdirSync(dir)).toEqual([writer.filenames[0]]);
      expect(readFileSync(path).equals(original)).toBe(true);
    });
});
