/**
 * A directory whose WARC files are symbolic links (as archives often lay them
 * out): `ls DIR`, `index DIR` and `check DIR` said it held no WARC file. Links
 * to files are read; a link that leads nowhere is reported; a link to a
 * directory is not walked, so a link loop cannot hang -r.
 */
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runMain as run } from '../helpers/cli-io';
import { FIXTURES, tempDir } from '../helpers/warc-backend';

const { dir, cleanup } = tempDir('cli-linked-warcs');
afterAll(cleanup);

test('ls, index and check DIR read WARC files that are links; -r does not follow a link loop', async () => {
  const store = join(dir, 'store');
  const view = join(dir, 'view');
  mkdirSync(store);
  mkdirSync(view);
  copyFileSync(join(FIXTURES, 'warcio--example.warc.gz'), join(store, 'a.warc.gz'));
  symlinkSync(join(store, 'a.warc.gz'), join(view, 'a.warc.gz'));
  symlinkSync(view, join(view, 'loop.warc'));
  const direct = await run('ls', join(store, 'a.warc.gz'));
  expect(direct.code).toBe(0);
  const listed = await run('ls', '-r', view);
  expect(listed).toEqual({ code: 0, out: direct.out, err: '' });
  expect(await run('check', view)).toEqual({ code: 0, out: '', err: '' });
  const index = await run('index', view);
  expect(index.code).toBe(0);
  expect(index.out).toContain('"filename": "a.warc.gz"');

  symlinkSync(join(store, 'gone.warc.gz'), join(view, 'gone.warc.gz'));
  const dangling = await run('ls', view);
  expect(dangling.code).toBe(1);
  expect(dangling.err).toContain(`${join(view, 'gone.warc.gz')}: cannot read: `);
});
