/**
 * The WARC commands as a crawler engineer uses them: damage makes a non-zero
 * exit with a message, pipes closed early are quiet, header bytes come out as
 * stored, and a payload that is not all there says so.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcWriter } from '../../src/warc/write/writer';
import { FIXTURES, tempDir } from '../helpers/warc-backend';
import { exchange, seededBytes } from '../helpers/warc-records';

/** Runs a command in-process; stdout kept as bytes (header bytes are compared exactly). */
async function cli(...argv: string[]): Promise<{ code: number; out: string; bytes: Buffer; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const parts: Buffer[] = [];
  let err = '';
  stdout.on('data', (d: Buffer) => parts.push(d));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr });
  const bytes = Buffer.concat(parts);
  return { code, out: bytes.toString('utf8'), bytes, err };
}

const fx = (name: string): string => join(FIXTURES, name);
const { dir, cleanup } = tempDir('cli-review');
afterAll(cleanup);

async function writeFile(records: WarcRecord[][], compression: 'gzip' | 'none' = 'gzip'): Promise<{ path: string; offsets: number[] }> {
  const writer = new WarcWriter({ directory: dir, compression, hostname: 'review', prefix: `R${Math.random().toString(36).slice(2, 8)}` });
  const offsets: number[] = [];
  for (const batch of records) for (const w of await writer.write(batch)) offsets.push(w.offset);
  await writer.close();
  return { path: join(dir, writer.filenames[0]), offsets };
}

describe('ls and index on bad input', () => {
  const text = join(dir, 'notes.txt');
  const cut = join(dir, 'cut.warc.gz');
  beforeAll(() => {
    writeFileSync(text, 'hello\nthis is not a WARC file\n');
    // warcio--example.warc.gz: response at 784, request at 2012, revisit at 2621 (ends 3207); cut inside the revisit.
    writeFileSync(cut, readFileSync(fx('warcio--example.warc.gz')).subarray(0, 3000));
  });

  test('a plain text file: message on stderr, exit 1', async () => {
    for (const command of ['index', 'ls']) {
      const r = await cli(command, text);
      expect({ command, code: r.code, out: r.out }).toEqual({ command, code: 1, out: '' });
      expect(r.err).toMatch(/^offset 0 - -: \d+ bytes that are not a WARC record/m);
    }
  });

  test('a truncated .warc.gz: good records indexed, the cut one not; damage on stderr; exit 1', async () => {
    const whole = await cli('index', fx('warcio--example.warc.gz'));
    expect(whole.out).toMatch(/"offset": "2621"/); // the revisit is indexed when intact
    const r = await cli('index', cut);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/"offset": "784"/);
    expect(r.err).toMatch(/^offset 2621 <urn:uuid:[^>]+> revisit: .*cut short/m);
    const ls = await cli('ls', cut);
    expect(ls.code).toBe(1);
    expect(ls.out.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['0', '353', '784', '2012', '2621']);
    expect(ls.err).toMatch(/^offset 2621 .* revisit: .*cut short/m);
  });

  test('several files: a missing one is reported, the others still indexed', async () => {
    const r = await cli('index', join(dir, 'missing.warc.gz'), fx('warcio--example.warc.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.warc\.gz: cannot read: .*ENOENT/);
    expect(r.out.trim().split('\n')).toHaveLength(2);
    expect(await cli('index', fx('warcio--example.warc.gz'))).toMatchObject({ code: 0, err: '' });
  });

  test('index --records with an unknown type: usage error naming the valid types', async () => {
    const r = await cli('index', '--records', 'bogus', fx('warcio--example.warc.gz'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/unknown type "bogus"; valid types: warcinfo, response, resource, request, metadata, revisit, conversion, continuation, all/);
  });
});

describe('extract', () => {
  test('--headers and the default output write header bytes unchanged (latin1 and UTF-8 bytes)', async () => {
    const body = Buffer.from('hello');
    const head = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Latin1: caf'),
      Buffer.from([0xe9]), // é in latin1: not valid UTF-8
      Buffer.from('\r\nX-Utf8: ', 'latin1'),
      Buffer.from('Grüße ✓', 'utf8'),
      Buffer.from(`\r\nContent-Length: ${body.length}\r\n\r\n`),
    ]);
    const [response] = exchange('http://example.com/h', body);
    response.block = Buffer.concat([head, body]);
    const { path, offsets } = await writeFile([[response]], 'none');
    const file = readFileSync(path);
    const warcHeaderEnd = file.indexOf('\r\n\r\n', offsets[0]) + 4;
    const expected = file.subarray(offsets[0], warcHeaderEnd + head.length);
    expect(expected.subarray(warcHeaderEnd - offsets[0]).equals(head)).toBe(true);
    const headers = await cli('extract', path, String(offsets[0]), '--headers');
    expect(headers.code).toBe(0);
    expect(headers.bytes.equals(expected)).toBe(true);
    const whole = await cli('extract', path, String(offsets[0]));
    expect(whole.bytes.equals(file.subarray(offsets[0], warcHeaderEnd + head.length + body.length))).toBe(true);
  });

  test('--payload on a revisit: empty, with a note naming what it refers to; exit 0', async () => {
    const r = await cli('extract', fx('warcio--example.warc.gz'), '2621', '--payload');
    expect(r).toEqual({ code: 0, out: '', bytes: Buffer.alloc(0), err: 'warcwire extract: no payload stored; refers to http://example.com/ 2017-03-06T04:02:06Z\n' });
  });

  test('--payload on a WARC-Truncated record: the stored part, a note, exit 0', async () => {
    const part = seededBytes(7, 1000);
    const [response] = exchange('http://example.com/t', part);
    // The server said 5000 bytes; the crawler kept 1000.
    response.block = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n'), part]);
    response.fields = [...(response.fields ?? []), ['WARC-Truncated', 'length']];
    const { path, offsets } = await writeFile([[response]]);
    const r = await cli('extract', path, String(offsets[0]), '--payload');
    expect(r.code).toBe(0);
    expect(r.bytes.equals(part)).toBe(true);
    expect(r.err).toBe('warcwire extract: payload truncated (WARC-Truncated: length)\n');
  });

  test('--payload --decode undoes Content-Encoding; --decode alone is a usage error', async () => {
    const original = seededBytes(9, 20000);
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(original);
    const [response] = exchange('http://example.com/gz', gz);
    response.block = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]);
    const { path, offsets } = await writeFile([[response]]);
    expect((await cli('extract', path, String(offsets[0]), '--payload')).bytes.equals(gz)).toBe(true);
    expect((await cli('extract', path, String(offsets[0]), '--payload', '--decode')).bytes.equals(original)).toBe(true);
    expect((await cli('extract', path, String(offsets[0]), '--decode')).code).toBe(2);
  });
});

describe('output closed by its reader (EPIPE)', () => {
  const bin = join(__dirname, '..', '..', 'bin', 'warcwire.js');
  let big: { path: string; offsets: number[] };
  beforeAll(async () => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (scripts/test.sh does)');
    const records: WarcRecord[][] = [];
    const [response] = exchange('http://example.com/big', seededBytes(3, 4 * 1024 * 1024));
    records.push([response]);
    for (let i = 0; i < 1500; i++) records.push(exchange(`http://example.com/small/${i}`, seededBytes(i + 10, 50)));
    big = await writeFile(records);
  });

  /** Runs bin/warcwire.js, reads `keep` bytes of stdout, then closes the pipe (as `| head -c` does). */
  function headOf(argv: string[], keep: number): Promise<{ code: number | null; signal: string | null; got: number; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      let got = 0;
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= keep) child.stdout.destroy();
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, got, err }));
    });
  }

  test.each([
    ['extract --payload', () => ['extract', big.path, String(big.offsets[0]), '--payload']],
    ['extract', () => ['extract', big.path, String(big.offsets[0])]],
    ['ls', () => ['ls', big.path]],
    ['index --records all', () => ['index', '--records', 'all', big.path]],
    ['check -v', () => ['check', '-v', big.path]],
  ])('%s | head -c 100: exit 0, nothing on stderr', async (_name, argv) => {
    const r = await headOf(argv(), 100);
    expect(r.got).toBeGreaterThanOrEqual(100);
    expect({ code: r.code, signal: r.signal, err: r.err }).toEqual({ code: 0, signal: null, err: '' });
  });
});
