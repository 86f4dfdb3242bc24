/**
 * A file with no WARC record at all (empty; only an empty gzip member) is not
 * a WARC file: `check` said so with exit 1, while `ls` and `index` printed
 * nothing and exited 0, so `warcwire ls f.warc.gz && …` passed a 0-byte file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runMain as run } from '../helpers/cli-io';
import { tempDir } from '../helpers/warc-backend';

const { dir, cleanup } = tempDir('cli-no-record');
afterAll(cleanup);

const cases: ReadonlyArray<[name: string, bytes: Buffer, message: string]> = [
  ['empty.warc', Buffer.alloc(0), 'offset 0 - -: empty file (0 bytes): no WARC record'],
  ['member.warc.gz', gzipSync(Buffer.alloc(0)), 'offset 0 - -: no WARC record (only padding or empty compressed members)'],
];

test.each(['ls', 'index'])('%s FILE with no record: exit 1, and on stderr the line check prints', async (command) => {
  for (const [name, bytes, message] of cases) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    expect([name, await run('check', file)]).toEqual([name, { code: 1, out: `${message}\n`, err: '' }]);
    expect([name, await run(command, file)]).toEqual([name, { code: 1, out: '', err: `${message}\n` }]);
  }
});
