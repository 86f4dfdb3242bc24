/**
 * `warcwire mend DIR`: the command `capture --help` and the second-signal
 * message point users at. A directory stands for the `.open` WARC files
 * directly inside it (-r: in its subdirectories too).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIO } from '../helpers/cli-io';
import { FIXTURES, tempDir } from '../helpers/warc-backend';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIO();
  const code = await main(argv, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

const { dir, cleanup } = tempDir('mend-dir');
afterAll(cleanup);

/** A crawl directory: two .open files, one finished file, a note, and a subdirectory with one more .open file. */
function crawlDir(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'older'), { recursive: true });
  copyFileSync(join(FIXTURES, 'gowarc--corrupted-trailing-bytes.warc.gz.open'), join(root, 'a.warc.gz.open'));
  copyFileSync(join(FIXTURES, 'gowarc--good.warc.gz.open'), join(root, 'b.warc.gz.open'));
  copyFileSync(join(FIXTURES, 'gowarc--skip-non-open.warc.gz'), join(root, 'done.warc.gz'));
  writeFileSync(join(root, 'notes.txt.open'), 'not a WARC file');
  copyFileSync(join(FIXTURES, 'gowarc--good.warc.gz.open'), join(root, 'older', 'c.warc.gz.open'));
  return root;
}

test('mend DIR mends every .open WARC file directly inside, not in subdirectories', async () => {
  const root = crawlDir('flat');
  const dry = await cli('mend', '--dry-run', root);
  expect(dry.code).toBe(0);
  expect(dry.out).toMatch(/would truncate .*a\.warc\.gz\.open to 2362 of 2417 bytes/);
  expect(dry.out).toMatch(/would rename .*b\.warc\.gz\.open -> .*b\.warc\.gz:/);
  expect(dry.out).not.toMatch(/c\.warc|notes|done\.warc/);
  expect(existsSync(join(root, 'a.warc.gz.open'))).toBe(true);

  const run = await cli('mend', '--yes', root);
  expect(run.code).toBe(0);
  expect(readdirSync(root).sort()).toEqual(['a.warc.gz', 'b.warc.gz', 'done.warc.gz', 'notes.txt.open', 'older']);
  expect(readdirSync(join(root, 'older'))).toEqual(['c.warc.gz.open']);
  expect((await cli('check', join(root, 'a.warc.gz'), join(root, 'b.warc.gz'))).code).toBe(0);

  // Run again: nothing left directly inside.
  const again = await cli('mend', '--yes', root);
  expect(again).toMatchObject({ code: 0, out: `nothing to mend in ${root}\n` });
});

test('mend -r DIR also looks in subdirectories', async () => {
  const root = crawlDir('deep');
  const run = await cli('mend', '--yes', '-r', root);
  expect(run.code).toBe(0);
  expect(readdirSync(join(root, 'older'))).toEqual(['c.warc.gz']);
  expect(readdirSync(root).filter((f) => f.endsWith('.warc.gz.open'))).toEqual([]);
});

test('an empty directory, a plain file and a missing path each say what they are', async () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const none = await cli('mend', '--yes', empty);
  expect(none).toMatchObject({ code: 0, out: `nothing to mend in ${empty}\n` });

  const plain = join(dir, 'plain.warc.gz');
  copyFileSync(join(FIXTURES, 'gowarc--skip-non-open.warc.gz'), plain);
  const skipped = await cli('mend', '--yes', plain);
  expect(skipped).toMatchObject({ code: 0, out: `skip ${plain}: not an .open file (nor a directory)\n` });

  const missing = join(dir, 'no-such-dir');
  const gone = await cli('mend', '--yes', missing);
  expect(gone.code).toBe(1);
  expect(gone.out).toMatch(new RegExp(`^cannot read ${missing}: .*no such file or directory`, 'mi'));
});
