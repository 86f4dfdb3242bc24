/**
 * A WARC file whose name is not valid UTF-8 (in a DIR given to ls/index/check,
 * or as an argument): Node hands the name over with U+FFFD for the bad bytes,
 * so the file cannot be opened. The message said "no such file" of a file the
 * user can see; it now says why and what to do. The other files are still read.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain as run } from '../helpers/cli-io';
import { FIXTURES, tempDir } from '../helpers/warc-backend';

const { dir, cleanup } = tempDir('cli-non-utf8');
afterAll(cleanup);

test.each(['ls', 'index'])('%s DIR holding a file named with a 0xff byte: that file named as unopenable, the other read, exit 1', async (command) => {
  const fixture = join(FIXTURES, 'warcio--example.warc.gz');
  copyFileSync(fixture, join(dir, 'good.warc.gz'));
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad`), Buffer.from([0xff]), Buffer.from('.warc.gz')]), readFileSync(fixture));
  const shown = join(dir, 'bad\uFFFD.warc.gz');
  const message = `${shown}: cannot read: its name is not valid UTF-8 (shown here with \uFFFD) and cannot be opened: rename it (e.g. with convmv) and run again [ERR_WARC_INPUT]\n`;
  const r = await run(command, dir);
  expect(r.code).toBe(1);
  expect(r.err).toBe(message);
  expect(r.out).toContain('example.com');
  // The name as Node gives it from argv: the same words.
  expect(await run(command, shown)).toEqual({ code: 1, out: '', err: message });
});
