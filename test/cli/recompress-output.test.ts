/**
 * recompress writes OUT beside itself and renames it into place. With --force
 * that rename replaced whatever OUT was: a FIFO a script reads from became a
 * regular file (and `--force IN /dev/stdout`, as root, would replace the
 * /dev/stdout link). OUT that exists and is not a regular file is refused.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from '../helpers/cli-io';
import { FIXTURES, tempDir } from '../helpers/warc-backend';

const { dir, cleanup } = tempDir('cli-recompress-out');
afterAll(cleanup);
const input = join(FIXTURES, 'warcio--example.warc.gz');

const recompress = (...argv: string[]): ReturnType<typeof runMain> => runMain('recompress', ...argv);

test('--force onto a FIFO: refused with ERR_WARC_OUTPUT, the FIFO left as it is', async () => {
  const fifo = join(dir, 'pipe.warc');
  execFileSync('mkfifo', [fifo]);
  const r = await recompress('--force', input, fifo);
  expect(r).toEqual({ code: 1, out: '', err: `warcwire recompress: ${fifo} is a FIFO, not a file: OUT must be a file path (recompress writes a new file and renames it onto OUT) [ERR_WARC_OUTPUT]\n` });
  expect(lstatSync(fifo).isFIFO()).toBe(true);
  expect(readdirSync(dir)).toEqual(['pipe.warc']);
});

test('--force onto a directory: refused with ERR_WARC_OUTPUT, no temp file left', async () => {
  const sub = join(dir, 'sub.warc.gz');
  mkdirSync(sub);
  const r = await recompress('--force', input, sub);
  expect(r.err).toBe(`warcwire recompress: ${sub} is a directory, not a file: OUT must be a file path (recompress writes a new file and renames it onto OUT) [ERR_WARC_OUTPUT]\n`);
  expect(r.code).toBe(1);
  expect(readdirSync(dir).sort()).toEqual(['pipe.warc', 'sub.warc.gz']);
});

test('OUT in a directory that does not exist, and an existing OUT without --force: typed errors naming OUT', async () => {
  const missing = join(dir, 'no-such-dir', 'out.warc.gz');
  expect(await recompress(input, missing)).toEqual({
    code: 1,
    out: '',
    err: `warcwire recompress: cannot write ${missing}: its directory ${join(dir, 'no-such-dir')} does not exist [ERR_WARC_OUTPUT]\n`,
  });
  expect((await recompress(input, join(dir, 'fine.warc.gz'))).code).toBe(0);
  expect(await recompress(input, join(dir, 'fine.warc.gz'))).toEqual({
    code: 1,
    out: '',
    err: `warcwire recompress: ${join(dir, 'fine.warc.gz')} exists (use --force to replace it) [ERR_WARC_OUTPUT]\n`,
  });
});
