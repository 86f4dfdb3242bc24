/**
 * gzip members of in-memory records come from libdeflate in the addon (MemberEncoder, and the
 * sink's records compressed ahead); records streamed by the sink stay zlib's. Each member must
 * keep zlib's header bytes, pass `gzip -t`, node:zlib and warcio, decode to exactly the bytes
 * the zlib path (the js backend) gives, and stay within 1 % of zlib's size on real HTML pages.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { jsBackend } from '../../src/backend/js';
import { loadNativeBackend } from '../../src/backend/native';
import { runTsChild } from '../helpers/backend-child';
import { gunzipCli, makeTempDir, removeDir } from '../helpers/backend-tools';
import { htmlCorpus } from '../helpers/html-corpus';
import { warcioRead } from '../helpers/warc-tools';

const native = loadNativeBackend();
const pages = htmlCorpus();
const CRLF2 = Buffer.from('\r\n\r\n');

let dir: string;
beforeAll(() => {
  dir = makeTempDir('deflate-member');
});
afterAll(() => removeDir(dir));

/** `gzip -t` over a file of concatenated members: throws (non-zero exit) on any bad member. */
function gzipTest(file: string): void {
  execFileSync('gzip', ['-t', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A WARC response record carrying `page` as an HTTP response. */
function responseRecord(index: number, page: Buffer): { header: Buffer; block: Buffer } {
  const block = Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${page.length}\r\n\r\n`),
    page,
  ]);
  const header = Buffer.from(
    'WARC/1.1\r\nWARC-Type: response\r\n' +
      `WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}>\r\n` +
      'WARC-Date: 2026-01-01T00:00:00Z\r\n' +
      `WARC-Target-URI: https://nodejs.org/api/${index}.html\r\n` +
      'Content-Type: application/http; msgtype=response\r\n' +
      `Content-Length: ${block.length}\r\n\r\n`,
  );
  return { header, block };
}

describe('gzip members of in-memory records (libdeflate)', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9])(
    'MemberEncoder level %i: zlib’s header bytes, gzip -t and node:zlib accept every member, size within 1 % of zlib',
    async (level) => {
      const encoder = native.createMemberEncoder({ compression: 'gzip', level });
      // Two parts per page: the member covers their concatenation.
      const members = await Promise.all(pages.map(({ bytes }) => encoder.encode([bytes.subarray(0, 100), bytes.subarray(100)])));
      encoder.close();
      let zlibTotal = 0;
      members.forEach((member, i) => {
        const page = pages[i]!.bytes;
        const reference = zlib.gzipSync(page, { level });
        zlibTotal += reference.length;
        expect(member.subarray(0, 10).equals(reference.subarray(0, 10))).toBe(true);
        expect(zlib.gunzipSync(member).equals(page)).toBe(true);
      });
      const file = path.join(dir, `encoder-${level}.gz`);
      fs.writeFileSync(file, Buffer.concat(members));
      gzipTest(file);
      const total = members.reduce((n, m) => n + m.length, 0);
      expect(total).toBeLessThanOrEqual(zlibTotal * 1.01);
    },
  );

  test('in-memory members take libdeflate (a stream of their own), records over 16 MiB keep zlib’s streaming', async () => {
    const encoder = native.createMemberEncoder({ compression: 'gzip', level: 6 });
    const members = await Promise.all(pages.map(({ bytes }) => encoder.encode([bytes])));
    encoder.close();
    // zlib's deflate gives the same bytes in every binding: a libdeflate stream differs on real pages.
    const differing = members.filter((member, i) => !member.equals(zlib.gzipSync(pages[i]!.bytes, { level: 6 })));
    expect(differing.length).toBeGreaterThan(pages.length / 2);

    const file = path.join(dir, 'streamed.gz');
    const sink = await native.openRecordSink(file, { compression: 'gzip', level: 6 });
    const header = Buffer.from('H\r\n\r\n');
    // Over the 16 MiB compress-ahead limit: the writer streams it through its zlib compressor.
    const block = Buffer.concat([...pages, ...pages, ...pages].map((page) => page.bytes));
    expect(block.length).toBeGreaterThan(16 << 20);
    await sink.append(header, block);
    await sink.close();
    expect(fs.readFileSync(file).equals(zlib.gzipSync(Buffer.concat([header, block, CRLF2]), { level: 6 }))).toBe(true);
  });

  test('sink gzip-6: warcio, gzip -t and node:zlib read the records; decoded file identical to the js (zlib) sink’s; size within 1 %', async () => {
    const records = pages.map(({ bytes }, i) => responseRecord(i, bytes));
    const files: Record<'native' | 'js', string> = { native: path.join(dir, 'native.warc.gz'), js: path.join(dir, 'js.warc.gz') };
    const results: { offset: number; length: number }[] = [];
    for (const backend of [native, jsBackend] as const) {
      const sink = await backend.openRecordSink(files[backend.name as 'native' | 'js'], { compression: 'gzip', level: 6 });
      const appended = await Promise.all(
        records.map(({ header, block }, i) => {
          if (i % 2 === 0) return sink.append(header, block);
          // Every other block from a spool on disk: those records are read in before compressing.
          const spool = backend.createSpool({ tempDir: dir, memoryLimit: 4096 });
          spool.append(block);
          return sink.append(header, spool).finally(() => spool.close());
        }),
      );
      await sink.close();
      if (backend === native) results.push(...appended);
    }
    gzipTest(files.native);
    const bytes = fs.readFileSync(files.native);
    results.forEach(({ offset, length }, i) => {
      const { header, block } = records[i]!;
      expect(zlib.gunzipSync(bytes.subarray(offset, offset + length)).equals(Buffer.concat([header, block, CRLF2]))).toBe(true);
    });
    expect(gunzipCli(files.native).equals(gunzipCli(files.js))).toBe(true);
    const read = warcioRead(files.native);
    expect(read.map((r) => r.blockLength)).toEqual(records.map((r) => r.block.length));
    expect(read.map((r) => r.sha1)).toEqual(warcioRead(files.js).map((r) => r.sha1));
    expect(bytes.length).toBeLessThanOrEqual(fs.statSync(files.js).size * 1.01);
  });

  test('out of memory in the worker is a typed ERR_NO_MEMORY rejection; the process and the encoder live on', async () => {
    // Was ERR_INVALID_OPTION ("encoding failed: std::bad_alloc"). And a build linked without
    // -Bsymbolic (binding.gyp) aborted here: its std::vector growth ran node's copy, whose
    // bad_alloc the addon's static libstdc++ could not unwind.
    const child = await runTsChild(path.join(__dirname, 'children', 'deflate-out-of-memory.ts'), { timeoutMs: 25_000 });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const result = JSON.parse(child.stdout) as { outcome: { typed?: boolean; code?: string; message?: string }; after: string };
    expect(result.outcome).toEqual({
      typed: true,
      code: 'ERR_NO_MEMORY',
      message: `out of memory compressing a gzip member of ${200 << 20} bytes`,
    });
    expect(zlib.gunzipSync(Buffer.from(result.after, 'base64')).toString()).toBe('still alive');
  });
});
