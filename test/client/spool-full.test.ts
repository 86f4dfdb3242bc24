/**
 * A full spool directory (a 1 MiB tmpfs, mounted by the test: needs root, which CI has):
 * the request whose body hits ENOSPC gets ERR_SPOOL_IO on `written`, and every later
 * request on the same client (same kept-alive connection) still settles and is written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startHttp, type Running } from '../helpers/client-servers';
import { seededBytes } from '../helpers/warc-records';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const rootOnly = isRoot ? describe : describe.skip;

/** Settles like `p`, or names what did not settle within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

rootOnly('full spool directory', () => {
  let root: string;
  let spool: string;
  let server: Running;
  const big = seededBytes(7, 2 * 1024 * 1024);
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'warcwire-spool-full-'));
    spool = join(root, 'spool');
    mkdirSync(spool);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', spool]);
    server = await startHttp((req, res) => res.end(req.url === '/big' ? big : `small ${req.url}`));
  });
  afterAll(async () => {
    await server.close();
    execFileSync('umount', [spool]);
    rmdirSync(spool);
    rmSync(root, { recursive: true, force: true });
  });

  test('the request that hits ENOSPC gets ERR_SPOOL_IO; every later request settles and is written', async () => {
    const out = join(root, 'warcs');
    mkdirSync(out);
    const client = await WarcClient.create({ writer: { directory: out }, spoolTempDir: spool, fullOnDisk: true });
    try {
      const res = await within(client.fetch(`${server.url}/big`), 5000, 'fetch /big');
      await within(res.arrayBuffer().catch(() => undefined), 5000, 'the body of /big');
      await expect(within(res.written, 5000, '/big written')).rejects.toMatchObject({ code: 'ERR_SPOOL_IO' });
      for (const n of [1, 2, 3]) {
        const r = await within(client.fetch(`${server.url}/small/${n}`), 5000, `fetch /small/${n}`);
        expect(await r.text()).toBe(`small /small/${n}`);
        await expect(within(r.written, 5000, `/small/${n} written`)).resolves.toMatchObject({ url: `${server.url}/small/${n}`, status: 200 });
      }
    } finally {
      await client.close();
    }
  });
  test('many requests at once on a full spool: every one settles, each failure is ERR_SPOOL_IO', async () => {
    const out = join(root, 'warcs-concurrent');
    mkdirSync(out);
    const client = await WarcClient.create({ writer: { directory: out }, spoolTempDir: spool, fullOnDisk: true });
    try {
      const paths = ['/big', '/small/a', '/big', '/small/b', '/big', '/small/c'];
      // A request fails on its fetch, its body or its `written`; what counts is that each one settles, typed.
      const outcomes = await Promise.all(
        paths.map((path, i) =>
          within(
            (async () => {
              const res = await client.fetch(`${server.url}${path}`);
              await res.arrayBuffer().catch(() => undefined);
              await res.written;
              return 'written';
            })(),
            5000,
            `request ${i} ${path}`,
          ).catch((err: { code?: string; message?: string }) => err.code ?? String(err.message)),
        ),
      );
      expect(outcomes.filter((o) => o !== 'written' && o !== 'ERR_SPOOL_IO')).toEqual([]);
      expect(outcomes).toContain('ERR_SPOOL_IO');
      expect(outcomes.filter((o, i) => o === 'written' && paths[i]!.startsWith('/small')).length).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });
});
