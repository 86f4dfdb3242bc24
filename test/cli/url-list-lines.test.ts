/**
 * `capture --input FILE`: a line with whitespace inside its URL is reported
 * with the file and line number and nothing is fetched (the URL parser would
 * have dropped the tab or percent-encoded the space and fetched another URL);
 * a note after " #" stays a comment.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-child';
import { startHttp, type Running } from '../helpers/client-servers';
import { tempDir } from '../helpers/warc-backend';

const { dir, cleanup } = tempDir('url-list');
const seen: string[] = [];
let server: Running;
beforeAll(async () => {
  server = await startHttp((req, res) => {
    seen.push(req.url ?? '');
    res.end('ok');
  });
});
beforeEach(() => {
  seen.length = 0;
});
afterAll(async () => {
  await server.close();
  cleanup();
});

test('whitespace inside a URL: exit 2 naming the file and each line, nothing fetched', async () => {
  const list = join(dir, 'seeds.txt');
  writeFileSync(list, `${server.url}/page/1\n${server.url}/page/9\t1\n\n${server.url}/page/3 extra tokens\n`);
  const out = join(dir, 'out-bad');
  const run = await runCli(['capture', '--input', list, '-o', out]);
  expect(run.code).toBe(2);
  expect(run.err).toContain(`${list} line 2: whitespace inside the URL "${server.url}/page/9\\t1" at character ${server.url.length + 8}`);
  expect(run.err).toContain(`${list} line 4: whitespace inside the URL "${server.url}/page/3 extra tokens"`);
  expect(run.err).not.toMatch(/line 1:/);
  expect(seen).toEqual([]);
});

test('a note after " #" is a comment: only the URL is fetched', async () => {
  const list = join(dir, 'noted.txt');
  writeFileSync(list, `${server.url}/page/9 # nine\n${server.url}/page/3\t# three, tab-separated\n`);
  const out = join(dir, 'out-noted');
  const run = await runCli(['capture', '--input', list, '-o', out]);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  expect(seen.sort()).toEqual(['/page/3', '/page/9']);
  expect(readdirSync(out).filter((f) => f.endsWith('.warc.gz'))).toHaveLength(1);
});
