/**
 * The bench's "floor" contender does the work it claims: every exchange lands as
 * one gzip member whose WARC digests are those of the bytes served, as warcio
 * and gzip (independent decoders) read the file.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Pool, request } from 'undici';
import { FloorRecorder } from '../../bench/floor';
import { loadBackend } from '../../src/backend';
import { warcioRead, warcioReadHttp } from '../helpers/warc-tools';

const BODY = Buffer.from(Array.from({ length: 40000 }, (_, i) => `line ${i % 997}\n`).join('')).subarray(0, 100_000);

describe('bench floor recorder', () => {
  let server: http.Server;
  let origin: string;
  let dir: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes'));
      res.setHeader('content-type', 'text/plain');
      res.setHeader('content-length', size);
      res.end(BODY.subarray(0, size));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-floor-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('one member per exchange, block and payload digests of the bytes served', async () => {
    const backend = loadBackend();
    const file = path.join(dir, 'floor.warc.gz');
    const sink = await backend.openRecordSink(file, { compression: 'gzip', level: 6 });
    const recorder = new FloorRecorder(backend, sink);
    const pool = new Pool(origin, { connections: 2 });
    const sizes = [16384, 0, 100_000, 1, 16384, 70_000];
    const workers = [recorder.consumer(), recorder.consumer()];
    let bodyBytes = 0;
    try {
      // Two workers, each with an append in flight while it fetches the next response.
      await Promise.all(
        workers.map(async (consume, w) => {
          for (let i = w; i < sizes.length; i += workers.length) {
            const url = `${origin}/page?bytes=${sizes[i]}`;
            const read = await consume(url, await request(url, { dispatcher: pool }));
            bodyBytes += read;
          }
        }),
      );
      await recorder.drained();
    } finally {
      await sink.close();
      await pool.close();
    }
    expect(recorder.appends).toBe(sizes.length);
    expect(bodyBytes).toBe(sizes.reduce((a, b) => a + b, 0));

    execFileSync('gzip', ['-t', file]); // throws on a damaged member
    const raw = warcioRead(file);
    const parsed = warcioReadHttp(file);
    expect(raw.map((r) => r.type)).toEqual(sizes.map(() => 'response'));
    expect(raw.map((r) => r.targetUri).sort()).toEqual(sizes.map((s) => `${origin}/page?bytes=${s}`).sort());
    for (const [i, record] of raw.entries()) {
      const bytes = Number(new URL(record.targetUri!).searchParams.get('bytes'));
      expect(record.blockDigest).toBe(record.sha1);
      expect(parsed[i]!.payloadDigest).toBe(parsed[i]!.contentSha1);
      expect(parsed[i]!.status).toBe(200);
      expect(parsed[i]!.headers).toContain(`content-length: ${bytes}`);
      // One gzip member per record: each decompresses alone (zlib) to exactly one record.
      const member = gunzipSync(fs.readFileSync(file).subarray(record.offset, record.offset + record.length)).toString('latin1');
      expect(member.split('WARC/1.1\r\n')).toEqual(['', expect.any(String)]);
    }
  });
});
