import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as undici7 from 'undici';
import { WarcClient } from '../../src/client';
import { startHttp, type Running } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

// Both handler styles reach the dispatcher: the controller style (undici >= 7, the only one undici 8 calls)
// and the older callbacks (undici 7's own request/stream/fetch). Each must get the whole body, with
// pause and resume, and the exchange must be recorded byte-exact.

const BIG = Buffer.alloc(3 * 1024 * 1024 + 17);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 131 + (i >> 9)) & 0xff;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let dir: string;
let server: Running;
/** Requests /flaky has seen: odd ones are answered 503, even ones 200. */
let flaky = 0;
beforeAll(async () => {
  server = await startHttp((req, res) => {
    res.setHeader('X-Mixed-Case', 'Kept');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    if (req.url === '/big') res.end(BIG);
    else if (req.url === '/flaky') {
      res.statusCode = ++flaky % 2 === 1 ? 503 : 200;
      res.end(res.statusCode === 503 ? 'busy' : 'ok');
    } else res.end('small');
  });
});
afterAll(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-handlers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function responseBlocks(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz'))) {
    for (const r of (await readAll(join(dir, f))).records) if (r.type === 'response') out.push(r.block);
  }
  return out;
}

type DispatchController = undici7.Dispatcher.DispatchController;

const opts = (path: string): undici7.Dispatcher.DispatchOptions => ({ origin: server.url, path, method: 'GET' });

interface Seen {
  status: number;
  rawHeaders: string[];
  body: Buffer;
}

/** The caller got all of /big with its raw header names, and the WARC response block holds it byte for byte. */
async function expectWholeBig(client: WarcClient, seen: Seen): Promise<void> {
  expect(seen.status).toBe(200);
  expect(seen.rawHeaders.filter((_, i) => i % 2 === 0)).toEqual(expect.arrayContaining(['X-Mixed-Case', 'Set-Cookie']));
  expect(seen.body.length).toBe(BIG.length);
  expect(sha(seen.body)).toBe(sha(BIG));
  await client.close();
  const [block] = await responseBlocks();
  expect(sha(block!.subarray(block!.indexOf('\r\n\r\n') + 4))).toBe(sha(BIG));
}

test('controller-style handler: pause in onResponseStart, resume later; raw headers on the controller; recorded whole', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const seen = await new Promise<Seen>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let raw: string[] = [];
    let pauses = 0;
    client.dispatcher.dispatch(opts('/big'), {
      onRequestStart(controller: DispatchController) {
        expect(controller.aborted).toBe(false);
      },
      onResponseStart(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders) {
        status = statusCode;
        expect(headers['set-cookie']).toEqual(['a=1', 'b=2']);
        raw = (controller.rawHeaders as Buffer[]).map((b) => b.toString('latin1'));
        controller.pause();
        setTimeout(() => controller.resume(), 50);
      },
      onResponseData(controller: DispatchController, chunk: Buffer) {
        chunks.push(chunk);
        // Pause every few chunks: the rest must wait (spooled), not be lost.
        if (chunks.length % 4 === 0) {
          pauses++;
          controller.pause();
          setImmediate(() => controller.resume());
        }
      },
      onResponseEnd() {
        expect(pauses).toBeGreaterThan(0);
        resolve({ status, rawHeaders: raw, body: Buffer.concat(chunks) });
      },
      onResponseError(_c: unknown, err: Error) {
        reject(err);
      },
    });
  });
  await expectWholeBig(client, seen);
});

test('legacy-style handler: onHeaders gets raw headers, false from onData pauses until resume; recorded whole', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const seen = await new Promise<Seen>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let raw: string[] = [];
    let resume: (() => void) | undefined;
    let connected = false;
    client.dispatcher.dispatch(opts('/big'), {
      onConnect() {
        connected = true;
      },
      onHeaders(statusCode: number, headers: Buffer[], r: () => void) {
        status = statusCode;
        raw = headers.map((b) => b.toString('latin1'));
        resume = r;
        return true;
      },
      onData(chunk: Buffer) {
        chunks.push(chunk);
        if (chunks.length % 3 !== 0) return true;
        setTimeout(() => resume!(), 5);
        return false;
      },
      onComplete(trailers: unknown) {
        expect(connected).toBe(true);
        expect(Array.isArray(trailers)).toBe(true);
        resolve({ status, rawHeaders: raw, body: Buffer.concat(chunks) });
      },
      onError(err: Error) {
        reject(err);
      },
    } as undici7.Dispatcher.DispatchHandler);
  });
  await expectWholeBig(client, seen);
});

test('a handler of neither style is refused with a typed error', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  expect(() => client.dispatcher.dispatch(opts('/small'), {} as undici7.Dispatcher.DispatchHandler)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_REQUEST', message: expect.stringContaining('onResponseError') }),
  );
  await client.close();
});

test("undici 7's request (legacy handler) records through the dispatcher", async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const res = await undici7.request(`${server.url}/small`, { dispatcher: client.dispatcher });
  expect(await res.body.text()).toBe('small');
  await client.close();
  const blocks = await responseBlocks();
  expect(blocks.map((b) => b.toString('latin1'))).toEqual([expect.stringMatching(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nsmall$/)]);
});

// undici 8 is a dev dependency under the alias `undici8`; it needs Node >= 22.19.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const undici8Runs = major > 22 || (major === 22 && minor >= 19);
if (!undici8Runs) console.log(`undici 8 cases skipped: Node ${process.versions.node} < 22.19`);
(undici8Runs ? test : test.skip)("undici 8's request and fetch record through the dispatcher", async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const undici8 = require('undici8') as typeof undici7;
  expect(undici8.Dispatcher).not.toBe(undici7.Dispatcher);
  const client = await WarcClient.create({ writer: { directory: dir } });
  const res = await undici8.request(`${server.url}/big`, { dispatcher: client.dispatcher });
  expect(sha(Buffer.from(await res.body.arrayBuffer()))).toBe(sha(BIG));
  const f = await undici8.fetch(`${server.url}/small`, { dispatcher: client.dispatcher });
  expect(await f.text()).toBe('small');
  await client.close();
  const blocks = await responseBlocks();
  expect(blocks).toHaveLength(2);
  expect(blocks.map((b) => sha(b.subarray(b.indexOf('\r\n\r\n') + 4))).sort()).toEqual([sha(BIG), sha(Buffer.from('small'))].sort());
});

test("undici's retry interceptor on the dispatcher: a 503 is retried (the handler ends it by throwing from onResponseEnd), both attempts recorded", async () => {
  flaky = 0;
  const client = await WarcClient.create({ writer: { directory: dir } });
  const dispatcher = client.dispatcher.compose(undici7.interceptors.retry({ maxRetries: 2, minTimeout: 10, statusCodes: [503] }));
  const res = await undici7.request(`${server.url}/flaky`, { dispatcher });
  expect(res.statusCode).toBe(200);
  expect(await res.body.text()).toBe('ok');
  await client.close();
  expect(flaky).toBe(2);
  const statuses = (await responseBlocks()).map((block) => block.toString('latin1').split(' ')[1]).sort();
  expect(statuses).toEqual(['200', '503']);
});
