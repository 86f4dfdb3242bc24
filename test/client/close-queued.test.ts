/**
 * close() waits for the requests made before it, also those still queued for
 * a connection (connectionsPerOrigin / maxSockets reached): they run and are
 * recorded, instead of failing as if the client had been aborted.
 */
import * as http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { warcioRead } from '../helpers/warc-tools';

jest.setTimeout(20_000);

let origin: LoggingOrigin;
let dir: string;

beforeAll(async () => {
  // Slow enough that close() comes while the first request runs; `Connection: close` on /close/…
  // makes every queued request need a new connection.
  origin = await startLoggingOrigin('http', (req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-length': '5', ...(req.url!.startsWith('/close/') ? { connection: 'close' } : {}) });
      res.end('hello');
    }, 50);
  });
});

afterAll(() => origin.close());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-close-queued-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function responseUris(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.warc.gz'))
    .flatMap((f) => warcioRead(join(dir, f)))
    .filter((r) => r.type === 'response')
    .map((r) => new URL(r.targetUri!).pathname)
    .sort();
}

test.each(['keep', 'close'])('fetch(): requests queued behind connectionsPerOrigin when close() is called run and are recorded (server %s)', async (mode) => {
  const client = await WarcClient.create({ writer: { directory: dir }, connectionsPerOrigin: 1 });
  const paths = [0, 1, 2, 3].map((i) => `/${mode}/f${i}`);
  const runs = paths.map((p) => client.fetch(`${origin.url}${p}`).then((r) => r.text()));
  await client.close();
  expect(await Promise.all(runs)).toEqual(['hello', 'hello', 'hello', 'hello']);
  expect(responseUris()).toEqual(paths);
});

test.each(['keep', 'close'])('agents: requests queued behind maxSockets when close() is called run and are recorded (server %s)', async (mode) => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const { http: agent } = client.agents({ maxSockets: 1 });
  const paths = [0, 1, 2, 3].map((i) => `/${mode}/a${i}`);
  const runs = paths.map(
    (p) =>
      new Promise<string>((resolve, reject) => {
        const req = http.get(`${origin.url}${p}`, { agent }, (res) => {
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
      }),
  );
  await client.close();
  expect(await Promise.all(runs)).toEqual(['hello', 'hello', 'hello', 'hello']);
  expect(responseUris()).toEqual(paths);
});
