/**
 * A crawler meets any number of origins: what the client keeps per origin (its
 * connection pool) must go once that origin's connections have closed, or a
 * service that never restarts grows without bound. Each request here goes to a
 * new origin (another loopback address), the origin closes every connection,
 * and the heap after a full GC must not grow with the number of origins seen.
 */
import * as http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WarcClient } from '../../src/client';

jest.setTimeout(60_000);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const openFds = (): number => readdirSync('/proc/self/fd').length;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let server: http.Server;
let port: number;
let dir: string;

beforeAll(async () => {
  // On every loopback address (127.0.0.0/8), so each one is an origin of its own.
  server = http.createServer((req, res) => res.writeHead(200, { connection: 'close', 'content-length': '2' }).end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  port = (server.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'warcwire-many-origins-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('the heap does not grow with the number of origins seen, and close() gives back every fd', async () => {
  const fdsBefore = openFds();
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' }, archiveDns: false });
  let seen = 0;
  const visitNewOrigins = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          seen += 1;
          const res = await client.fetch(`http://127.1.${seen >> 8}.${seen & 255}:${port}/`);
          expect(await res.text()).toBe('ok');
          await res.written;
        }),
      );
    }
  };
  await visitNewOrigins(300);
  const warm = heapAfterGc();
  await visitNewOrigins(1200);
  const grown = heapAfterGc() - warm;
  // Kept pools cost about 10 KB an origin (12 MB here), and the dialer's AbortSignal.timeout/any
  // about 2.6 KB on Node 22 (3.1 MB here, until their 30 s budgets ran out); without them, 0.2-0.9 MB.
  expect(grown).toBeLessThan(3 * 1024 * 1024);
  expect(client.stats.written).toBe(1500);
  await client.close();
  expect(openFds()).toBeLessThanOrEqual(fdsBefore);
});
