import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { WarcReader } from '../../src/warc/read/reader';
import { WarcWriter } from '../../src/warc/write/writer';
import { newRecordId } from '../../src/warc/record';
import { captureIO } from '../helpers/cli-io';
import { backend, expectZstdMissingByDesign, FIXTURES, tempDir } from '../helpers/warc-backend';
import { httpChunkedResponse, seededBytes } from '../helpers/warc-records';
import { zstdFileFromCli } from '../helpers/warc-tools';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIO();
  const code = await main(argv, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

const fx = (name: string): string => join(FIXTURES, name);
const { dir, cleanup } = tempDir('cli');
afterAll(cleanup);

async function recordsOf(path: string): Promise<Array<[string, string, Buffer]>> {
  const out: Array<[string, string, Buffer]> = [];
  for await (const r of new WarcReader(path)) out.push([r.type, r.id, await r.readBlock()]);
  return out;
}

describe('warcwire CLI (WARC commands)', () => {
  test('--help lists the commands; <cmd> --help shows usage; unknown command exits 2', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const name of ['check', 'index', 'ls', 'extract', 'mend', 'recompress']) expect(help.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    const usage = await cli('check', '--help');
    expect(usage.code).toBe(0);
    expect(usage.out).toMatch(/^Usage: warcwire check/);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command "frobnicate"/);
    const none = await cli();
    expect(none.code).toBe(2);
    const noFile = await cli('check');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toMatch(/no FILE given/);
    const badOption = await cli('check', '--bogus', fx('warcio--example.warc'));
    expect(badOption.code).toBe(2);
    // Operand counts, as each usage line names them.
    for (const [argv, message] of [
      [['ls'], /no FILE given/],
      [['index', '--sort'], /no FILE given/],
      [['mend', '--dry-run'], /no FILE given/],
      [['extract', fx('warcio--example.warc')], /expected FILE and OFFSET/],
      [['recompress', 'a', 'b', 'c'], /expected IN and OUT/],
    ] as const) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/Usage: warcwire /);
    }
  });

  test('check: silent and 0 on a good file; one line per problem and 1 on a damaged one', async () => {
    expect(await cli('check', fx('warcio--example.warc.gz'))).toEqual({ code: 0, out: '', err: '' });
    const bad = await cli('check', fx('warcio-js--example-bad-length.warc'));
    expect(bad.code).toBe(1);
    const lines = bad.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^offset \d+ <urn:uuid:[^>]+> (response|revisit): .+/);
    const missing = await cli('check', join(dir, 'nope.warc'));
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/cannot read: .*ENOENT/);
  });

  test('check --json and -v', async () => {
    const json = await cli('check', '--json', fx('warcio--example-digest.warc'), fx('warcio--example.warc'));
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.out) as { ok: boolean; files: Array<{ file: string; records: unknown[]; errors: unknown[] }> };
    expect(doc.ok).toBe(false);
    expect(doc.files.map((f) => [f.records.length, f.errors.length])).toEqual([
      [4, 1],
      [6, 0],
    ]);
    const verbose = await cli('check', '-v', fx('warcio--example-iana.org-chunked.warc'));
    expect(verbose.code).toBe(0);
    expect(verbose.out).toMatch(/: ok \(block ok, payload legacy\)/);
    expect(verbose.out).toMatch(/note offset \d+ .*legacy reading/);
    expect(verbose.out).toMatch(/3 records, 0 problems/);
  });

  test('index: CDXJ lines, --records, --sort', async () => {
    const idx = await cli('index', fx('warcio--example.warc.gz'));
    expect(idx.code).toBe(0);
    expect(idx.out.trim().split('\n')).toEqual([
      'com,example)/ 20170306040206 {"url": "http://example.com/", "mime": "text/html", "status": "200", "digest": "G7HRM7BGOKSKMSXZAHMUQTTV53QOFSMK", "length": "1228", "offset": "784", "filename": "warcio--example.warc.gz"}',
      'com,example)/ 20170306040348 {"url": "http://example.com/", "mime": "warc/revisit", "status": "200", "digest": "G7HRM7BGOKSKMSXZAHMUQTTV53QOFSMK", "length": "586", "offset": "2621", "filename": "warcio--example.warc.gz"}',
    ]);
    const requests = await cli('index', '--records', 'request', fx('warcio--example.warc.gz'));
    expect(requests.out.trim().split('\n').map((l) => JSON.parse(l.slice(l.indexOf('{'))).method)).toEqual(['GET', 'GET']);
    const all = await cli('index', '--records', 'all', '--sort', fx('warcio--example.warc.gz'));
    const lines = all.out.trim().split('\n');
    expect(lines).toHaveLength(4); // warcinfo records have no URL
    expect([...lines].sort()).toEqual(lines);
  });

  test('ls: offset, type, status or method, URL, truncated', async () => {
    const ls = await cli('ls', fx('warcio--example.warc.gz'));
    expect(ls.out.trim().split('\n')).toEqual([
      '0\twarcinfo\t-\t-\t-',
      '353\twarcinfo\t-\t-\t-',
      '784\tresponse\t200\thttp://example.com/\t-',
      '2012\trequest\tGET\thttp://example.com/\t-',
      '2621\trevisit\t200\thttp://example.com/\t-',
      '3207\trequest\tGET\thttp://example.com/\t-',
    ]);
  });

  test('extract: whole record, --headers, --payload (de-chunked)', async () => {
    const sub = join(dir, 'extract');
    mkdirSync(sub);
    const writer = new WarcWriter({ directory: sub, compression: 'gzip', hostname: 'x' });
    const chunks = [seededBytes(1, 3000), seededBytes(2, 5000)];
    const block = httpChunkedResponse(chunks);
    const [w] = await writer.write([{ type: 'response', id: newRecordId(), date: new Date(), targetUri: 'http://example.com/c', contentType: 'application/http; msgtype=response', block }]);
    await writer.close();
    const path = join(sub, writer.filenames[0]);
    const whole = await cli('extract', path, String(w.offset));
    expect(whole.code).toBe(0);
    expect(whole.out.startsWith('WARC/1.1\r\nWARC-Type: response\r\n')).toBe(true);
    expect(whole.out.endsWith(block.toString('latin1'))).toBe(true);
    const headers = await cli('extract', path, String(w.offset), '--headers');
    expect(headers.out).toMatch(/Content-Length: \d+\r\n\r\nHTTP\/1\.1 200 OK\r\n.*Transfer-Encoding: chunked\r\n\r\n$/s);
    const payload = await cli('extract', path, String(w.offset), '--payload');
    expect(payload.out).toBe(Buffer.concat(chunks).toString('latin1'));
    const wrong = await cli('extract', path, '5');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/ERR_WARC_PARSE/);
    expect((await cli('extract', path, 'abc')).code).toBe(2);
  });

  test('mend: --dry-run changes nothing; without --yes off a terminal nothing changes; --yes mends', async () => {
    const sub = join(dir, 'mend');
    mkdirSync(sub);
    const open = join(sub, 'gowarc--corrupted-trailing-bytes.warc.gz.open');
    copyFileSync(fx('gowarc--corrupted-trailing-bytes.warc.gz.open'), open);
    copyFileSync(fx('gowarc--skip-non-open.warc.gz'), join(sub, 'gowarc--skip-non-open.warc.gz'));
    const files = [open, join(sub, 'gowarc--skip-non-open.warc.gz')];
    const dry = await cli('mend', '--dry-run', ...files);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would truncate .*\.open to 2362 of 2417 bytes \(30 records kept\)/);
    expect(dry.out).toMatch(/would skip .*skip-non-open\.warc\.gz: not an \.open file/);
    expect(existsSync(open)).toBe(true);
    const asked = await cli('mend', ...files);
    expect(asked.code).toBe(2);
    expect(asked.out).toMatch(/pass --yes/);
    expect(existsSync(open)).toBe(true);
    const yes = await cli('mend', '--yes', ...files);
    expect(yes.code).toBe(0);
    expect(readdirSync(sub).sort()).toEqual(['gowarc--corrupted-trailing-bytes.warc.gz', 'gowarc--skip-non-open.warc.gz']);
    expect((await cli('check', join(sub, 'gowarc--corrupted-trailing-bytes.warc.gz'))).code).toBe(0);
  });

  test('recompress: a whole-file gzip becomes one member per record, same records; gzip -> plain', async () => {
    const out = join(dir, 'per-record.warc.gz');
    const r = await cli('recompress', fx('warcio--example-bad-non-chunked.warc.gz'), out);
    expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/^6 records written/) });
    expect(await recordsOf(out)).toEqual(await recordsOf(fx('warcio--example-bad-non-chunked.warc.gz')));
    const reader = new WarcReader(out);
    const offsets: Array<[number, number | undefined]> = [];
    for await (const rec of reader) {
      await rec.finish();
      offsets.push([rec.offset, rec.length]);
    }
    expect(new Set(offsets.map(([o]) => o)).size).toBe(6);
    expect(reader.issues.filter((i) => i.kind === 'member')).toEqual([]);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i][0]).toBe(offsets[i - 1][0] + (offsets[i - 1][1] as number));
    expect((await cli('recompress', fx('warcio--example-bad-non-chunked.warc.gz'), out)).code).toBe(1); // never overwrites

    const plain = join(dir, 'plain.warc');
    expect((await cli('recompress', fx('warcio--example.warc.gz'), plain)).code).toBe(0);
    expect(readFileSync(plain).subarray(0, 9).toString()).toBe('WARC/1.0\r');
    expect(await recordsOf(plain)).toEqual(await recordsOf(fx('warcio--example.warc.gz')));
  });

  test(`recompress to .warc.zst (backend ${backend.name})`, async () => {
    const zst = join(dir, 'example.warc.zst');
    const r = await cli('recompress', fx('warcio--example.warc.gz'), zst);
    if (!backend.zstdAvailable) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/ERR_ZSTD_UNAVAILABLE/);
      expect(existsSync(zst)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      return;
    }
    expect(r.code).toBe(0);
    expect(execFileSync('zstd', ['-dc', zst]).toString('latin1')).toContain('WARC-Type: revisit');
    expect(await recordsOf(zst)).toEqual(await recordsOf(fx('warcio--example.warc.gz')));
  });

  test(`check and mend on zstd files made by the zstd CLI (backend ${backend.name})`, async () => {
    const sub = join(dir, 'from-cli');
    mkdirSync(sub);
    const zst = join(sub, 'example.warc.zst');
    zstdFileFromCli(fx('warcio--example.warc'), zst);
    const open = join(sub, 'crashed.warc.zst.open');
    copyFileSync(zst, open);
    const check = await cli('check', zst);
    const mend = await cli('mend', '--yes', open);
    if (backend.zstdAvailable) {
      expect(check).toEqual({ code: 0, out: '', err: '' });
      expect(mend.code).toBe(0);
      expect(readdirSync(sub).sort()).toEqual(['crashed.warc.zst', 'example.warc.zst']);
      return;
    }
    expectZstdMissingByDesign();
    expect(check.code).toBe(1);
    expect(check.out).toMatch(/^cannot read: zstd is not available .*\[ERR_ZSTD_UNAVAILABLE\]$/m);
    expect(mend.code).toBe(1);
    expect(mend.out).toMatch(/^cannot read .*crashed\.warc\.zst\.open: .*\[ERR_ZSTD_UNAVAILABLE\]$/m);
    expect(readdirSync(sub).sort()).toEqual(['crashed.warc.zst.open', 'example.warc.zst']);
  });

  // bin/warcwire.js runs the compiled CLI: scripts/test.sh builds dist/ before jest runs.
  const bin = join(__dirname, '..', '..', 'bin', 'warcwire.js');
  test('bin/warcwire.js: --help, and check exit codes', () => {
    const compiled = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
    if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first (scripts/test.sh does)`);
    const help = spawnSync(process.execPath, [bin, '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout.toString()).toMatch(/^  check +verify WARC files/m);
    expect(spawnSync(process.execPath, [bin, 'check', fx('warcio--example.warc')]).status).toBe(0);
    const bad = spawnSync(process.execPath, [bin, 'check', fx('warcio--example-digest.warc')]);
    expect(bad.status).toBe(1);
    expect(bad.stdout.toString()).toMatch(/^offset 0 <urn:uuid:a9c5c23a-0221-11e7-8fe3-0242ac120007> request: /);
  });
});
