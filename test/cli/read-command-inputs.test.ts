/**
 * What `check`, `ls`, `index` and `extract` do with inputs that are not a
 * plain good WARC file: an empty or non-WARC file, a directory, an offset that
 * is not a record start, truncated records. The CLI runs as a child process.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcWriter } from '../../src/warc/write/writer';
import { runCli } from '../helpers/cli-child';
import { FIXTURES, tempDir } from '../helpers/warc-backend';
import { httpResponse, seededBytes } from '../helpers/warc-records';

const { dir, cleanup } = tempDir('read-inputs');
afterAll(cleanup);

const GOOD = join(FIXTURES, 'warcio--example.warc');

function response(url: string, fields: WarcRecord['fields'] = []): WarcRecord {
  const block = httpResponse(seededBytes(url.length, 2000));
  return { type: 'response', id: newRecordId(), date: new Date('2024-05-06T07:08:09Z'), targetUri: url, contentType: 'application/http; msgtype=response', fields, block };
}

/** A plain WARC file holding `records` (after the writer's warcinfo), where they start, and its size. */
async function writeWarc(sub: string, records: WarcRecord[]): Promise<{ path: string; offsets: number[]; size: number }> {
  const where = join(dir, sub);
  mkdirSync(where, { recursive: true });
  const writer = new WarcWriter({ directory: where, compression: 'none', hostname: 'x' });
  const written = await writer.write(records);
  await writer.close();
  const path = join(where, writer.filenames[0]!);
  return { path, offsets: written.map((w) => w.offset), size: readFileSync(path).length };
}

test.each([
  ['an empty file', 'empty.warc', '', 'empty file (0 bytes): no WARC record'],
  ['a file that is not WARC', 'notes.txt', 'shopping list: milk, eggs\n', 'not a WARC file: no WARC record found'],
])('check of %s: a failure that says why', async (_what, name, content, reason) => {
  const file = join(dir, name);
  writeFileSync(file, content);
  const run = await runCli(['check', file]);
  expect(run.out.toString()).toContain(`offset 0 - -: ${reason}\n`);
  expect(run.code).toBe(1);
});

describe('check, ls and index walk a directory like mend does', () => {
  const crawl = join(dir, 'crawl');
  beforeAll(() => {
    mkdirSync(join(crawl, 'older'), { recursive: true });
    copyFileSync(GOOD, join(crawl, 'a.warc'));
    copyFileSync(join(FIXTURES, 'warcio--example.warc.gz'), join(crawl, 'b.warc.gz'));
    copyFileSync(join(FIXTURES, 'warcio--example-digest.warc'), join(crawl, 'older', 'c.warc'));
    copyFileSync(GOOD, join(crawl, 'in-progress.warc.open'));
    writeFileSync(join(crawl, 'a.warc.cdxj'), 'not a WARC file, a sidecar index\n');
  });

  test('check DIR: every finished WARC file directly inside, named; -r adds subdirectories', async () => {
    const flat = await runCli(['check', '-v', crawl]);
    expect(flat.err).toBe('');
    expect(flat.code).toBe(0);
    const out = flat.out.toString();
    expect(out).toContain(`${join(crawl, 'a.warc')}: 6 records, 0 problems`);
    expect(out).toContain(`${join(crawl, 'b.warc.gz')}: 6 records, 0 problems`);
    expect(out).not.toMatch(/older|in-progress|cdxj/);

    const deep = await runCli(['check', '-r', crawl]);
    expect(deep.code).toBe(1);
    expect(deep.out.toString()).toMatch(new RegExp(`^${join(crawl, 'older', 'c.warc')}: offset \\d+ \\S+ request: WARC-Payload-Digest`, 'm'));
  });

  test('ls DIR and index DIR read the same files', async () => {
    const ls = await runCli(['ls', crawl]);
    expect(ls.code).toBe(0);
    const headers = ls.out.toString().split('\n').filter((l) => l.startsWith('# '));
    expect(headers).toEqual([`# ${join(crawl, 'a.warc')}`, `# ${join(crawl, 'b.warc.gz')}`]);
    const index = await runCli(['index', crawl]);
    expect(index.code).toBe(0);
    const files = index.out.toString().trim().split('\n').map((l) => (JSON.parse(l.replace(/^\S+ \S+ /, '')) as { filename: string }).filename);
    expect([...new Set(files)]).toEqual(['a.warc', 'b.warc.gz']);
  });

  test('a directory without WARC files: exit 1 saying so', async () => {
    const none = join(dir, 'no-warcs');
    mkdirSync(none);
    writeFileSync(join(none, 'readme.txt'), 'nothing here');
    const check = await runCli(['check', none]);
    expect(check.code).toBe(1);
    expect(check.out.toString()).toMatch(/directory with no WARC file \(\*\.warc, \*\.warc\.gz, \*\.warc\.zst\) directly inside \(-r looks in subdirectories\) \[ERR_WARC_INPUT\]/);
    const ls = await runCli(['ls', none]);
    expect(ls.code).toBe(1);
    expect(ls.err).toContain(`${none}: cannot read: directory with no WARC file`);
  });
});

describe('extract names the offset it was given', () => {
  test('an offset inside a record', async () => {
    const run = await runCli(['extract', GOOD, '100']);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`no WARC record starts at offset 100 of ${GOOD}`);
    expect(run.err).not.toMatch(/offset 0\b/);
  });

  test('a record cut short at its offset: the damage is named at file offsets', async () => {
    const { path, offsets } = await writeWarc('cut-extract', [response('http://example.com/one'), response('http://example.com/two')]);
    const cut = join(dir, 'cut-extract.warc');
    writeFileSync(cut, readFileSync(path).subarray(0, offsets[1]! + 1500));
    const run = await runCli(['extract', cut, String(offsets[1])]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(new RegExp(`offset ${offsets[1]}: block cut short after \\d+ of \\d+ bytes \\(end of input\\) \\[ERR_WARC_TRUNCATED\\]`));
  });
});

describe('ls and check -v mark truncated records', () => {
  test('WARC-Truncated: length, and a record cut short by the end of the file', async () => {
    const { path, offsets, size } = await writeWarc('truncated', [
      response('http://example.com/whole'),
      response('http://example.com/capped', [['WARC-Truncated', 'length']]),
      // With a payload digest, check reads the HTTP head before the block: the cut must survive that second pass.
      response('http://example.com/last', [['WARC-Payload-Digest', `sha1:${'A'.repeat(32)}`]]),
    ]);
    const cut = join(dir, 'truncated.warc');
    writeFileSync(cut, readFileSync(path).subarray(0, size - 700));

    const ls = await runCli(['ls', cut]);
    expect(ls.code).toBe(1);
    expect(ls.out.toString().split('\n').filter((l) => l.includes('\tresponse\t'))).toEqual([
      `${offsets[0]}\tresponse\t200\thttp://example.com/whole\t-`,
      `${offsets[1]}\tresponse\t200\thttp://example.com/capped\tlength`,
      `${offsets[2]}\tresponse\t200\thttp://example.com/last\tcut`,
    ]);

    const check = await runCli(['check', '-v', cut]);
    expect(check.code).toBe(1);
    const lines = check.out.toString().split('\n');
    expect(lines.find((l) => l.startsWith(`offset ${offsets[1]} `))).toMatch(/ response: ok \(block ok, payload absent, truncated: length\)$/);
    // A block cut short is not compared with its digest: it is reported as cut, not as a mismatch.
    expect(lines.find((l) => l.startsWith(`offset ${offsets[2]} `) && l.includes(': FAIL'))).toMatch(/FAIL \(block not-checked, payload not-checked, truncated: cut\)$/);
    expect(check.out.toString()).not.toMatch(/digest mismatch/);
  });

  test('check --json carries the mark', async () => {
    const { path } = await writeWarc('json', [response('http://example.com/capped', [['WARC-Truncated', 'time']])]);
    const run = await runCli(['check', '--json', path]);
    const doc = JSON.parse(run.out.toString()) as { files: Array<{ records: Array<{ type: string; truncated?: string }> }> };
    expect(doc.files[0]!.records.map((r) => [r.type, r.truncated])).toEqual([
      ['warcinfo', undefined],
      ['response', 'time'],
    ]);
  });
});
