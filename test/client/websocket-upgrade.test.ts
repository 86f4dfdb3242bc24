/**
 * WebSocket upgrades through client.dispatcher (issue 14): the request and the
 * `101 Switching Protocols` head are recorded as a pair (the response block is
 * the 101 head exactly), the caller gets the socket and the frames pass through
 * it unrecorded both ways; the connection is never reused for HTTP, and nothing
 * fails late. A non-101 answer is an ordinary exchange.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { WarcClient } from '../../src/client';
import type { WrittenExchange } from '../../src/client/pending-write';
import { undici } from '../../src/client/undici';
import { readWithWarcio } from '../helpers/dedupe-warcio';
import { testCertificate } from '../helpers/tls-cert';
import { readAll, type ReadBack } from '../helpers/warc-read';
import { acceptKey, DENIED, encodeFrame, FrameReader, GREETING, readFrames, startWebSocketOrigin, type WebSocketOrigin } from '../helpers/websocket-echo';

jest.setTimeout(20000);

type Upgraded = { statusCode: number; headers: Record<string, unknown>; socket: Duplex };
type Answered = { statusCode: number; body: string };

/**
 * One dispatch with `upgrade: 'websocket'` and the handshake headers as a browser sends them,
 * `Connection` and `Upgrade` included (undici writes those two itself: it takes a Connection field
 * as options and refuses an Upgrade field, which the dispatcher drops when it agrees with `upgrade`),
 * driven by a controller-style handler.
 */
function dispatchUpgrade(dispatcher: Dispatcher, origin: string, path: string, key: string, onWritten: (w: Promise<WrittenExchange>) => void): Promise<Upgraded | Answered> {
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    const body: Buffer[] = [];
    dispatcher.dispatch(
      {
        origin,
        path,
        method: 'GET',
        upgrade: 'websocket',
        headers: { Connection: 'keep-alive, Upgrade', Upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': '13' },
        warcwire: { onWritten },
      } as Dispatcher.DispatchOptions,
      {
        onRequestStart() {},
        onRequestUpgrade(_controller, code, headers, socket) {
          resolve({ statusCode: code, headers: headers as Record<string, unknown>, socket });
        },
        onResponseStart(_controller, code) {
          statusCode = code;
        },
        onResponseData(_controller, chunk) {
          body.push(chunk);
        },
        onResponseEnd() {
          resolve({ statusCode, body: Buffer.concat(body).toString('utf8') });
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
    );
  });
}

function closed(socket: Duplex): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

/** Every record of the run (the client closed first), warcinfo left out. */
async function recordsIn(dir: string): Promise<ReadBack[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
  expect(files).toHaveLength(1);
  return (await readAll(join(dir, files[0]!))).records.filter((r) => r.type !== 'warcinfo');
}

function header(r: ReadBack, name: string): string | undefined {
  return r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

describe.each(['http', 'https'] as const)('WebSocket upgrade through client.dispatcher (%s origin)', (scheme) => {
  let dir: string;
  let origin: WebSocketOrigin;
  let client: WarcClient;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warcwire-websocket-'));
    origin = await startWebSocketOrigin(scheme);
    client = await WarcClient.create({ writer: { directory: dir, prefix: 'WS' }, tls: { ca: testCertificate().cert } });
  });
  afterEach(async () => {
    await client.close();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** After close(): the run wrote one pair, its response block the 101 head exactly, and nothing failed. */
  async function expectHandshakePairOnly(): Promise<[ReadBack, ReadBack]> {
    await client.close();
    expect(client.stats).toMatchObject({ written: 1, failed: 0, truncated: 0 });
    const records = await recordsIn(dir);
    expect(records.map((r) => r.type)).toEqual(['response', 'request']);
    expect(records[0]!.block.equals(origin.switchHeads[0]!)).toBe(true);
    return records as [ReadBack, ReadBack];
  }

  it('dispatch: the pair is the request and the 101 head exactly; frames go both ways through the socket, unrecorded', async () => {
    const key = randomBytes(16).toString('base64');
    let written: Promise<WrittenExchange> | undefined;
    const up = (await dispatchUpgrade(client.dispatcher, origin.url, '/echo', key, (w) => (written = w))) as Upgraded;
    expect(up.statusCode).toBe(101);
    expect(up.headers['sec-websocket-accept']).toBe(acceptKey(key));
    const reader = new FrameReader();
    // The greeting came in the same packet as the 101 head.
    const [greeting] = await readFrames(up.socket, 1, reader);
    expect(greeting!.payload.toString()).toBe(GREETING);
    const message = 'a message that must not be archived';
    up.socket.write(encodeFrame(0x1, Buffer.from(message), true));
    const [echo] = await readFrames(up.socket, 1, reader);
    expect(echo!.payload.toString()).toBe(message);
    expect(origin.received).toEqual([message]);

    const w = await written!;
    expect(w).toMatchObject({ url: `${origin.url}/echo`, status: 101 });
    // Close the tunnel from our side: no late failure reaches the archive or the stats.
    up.socket.write(encodeFrame(0x8, Buffer.alloc(0), true));
    await closed(up.socket);
    const records = await expectHandshakePairOnly();
    const [response, request] = records;
    expect(header(response, 'WARC-Truncated')).toBeUndefined();
    expect(request.block.toString('latin1')).toMatch(new RegExp(`^GET /echo HTTP/1.1\\r\\n[^]*sec-websocket-key: ${key.replace(/[+/]/g, '\\$&')}\\r\\n[^]*\\r\\n\\r\\n$`, 'i'));
    // One Connection and one Upgrade field: undici's, the caller's own dropped.
    expect(request.block.toString('latin1').match(/\r\n(connection|upgrade):[^\r]*/gi)).toEqual(['\r\nconnection: upgrade', '\r\nupgrade: websocket']);
    for (const r of records) expect(r.block.includes(Buffer.from(message))).toBe(false);
    expect(response.block.includes(Buffer.from(GREETING))).toBe(false);
    if (scheme === 'https') expect(header(response, 'WARC-Protocol')).toBeDefined();

    // warcio (an independent reader) sees the same pair.
    const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    const viaWarcio = (await readWithWarcio(join(dir, files[0]!))).filter((r) => r.type !== 'warcinfo');
    expect(viaWarcio.map((r) => [r.type, r.httpStatus ?? null, r.contentLength])).toEqual([
      ['response', 101, 0],
      ['request', null, 0],
    ]);
  });

  it('undici.upgrade with the dispatcher, then plain HTTP to the same origin on a new connection', async () => {
    const key = randomBytes(16).toString('base64');
    let written: Promise<WrittenExchange> | undefined;
    const { socket, headers } = await undici.upgrade(`${origin.url}/echo`, {
      dispatcher: client.dispatcher,
      protocol: 'websocket',
      headers: { 'sec-websocket-key': key, 'sec-websocket-version': '13' },
      warcwire: { onWritten: (w: Promise<WrittenExchange>) => (written = w) },
    } as Parameters<typeof undici.upgrade>[1]);
    expect(headers['sec-websocket-accept']).toBe(acceptKey(key));
    const reader = new FrameReader();
    expect((await readFrames(socket, 1, reader))[0]!.payload.toString()).toBe(GREETING);
    socket.write(encodeFrame(0x2, Buffer.from([1, 2, 3]), true));
    expect([...(await readFrames(socket, 1, reader))[0]!.payload]).toEqual([1, 2, 3]);
    expect((await written!).status).toBe(101);

    // The upgraded connection is the caller's now; HTTP goes on a fresh one.
    const res = await client.fetch(`${origin.url}/plain`);
    expect(await res.text()).toBe('plain http');
    await res.written;
    expect(origin.accepted).toHaveLength(2);
    socket.destroy();
    await closed(socket);
    await client.close();
    expect(client.stats).toMatchObject({ written: 2, failed: 0 });
    const records = await recordsIn(dir);
    expect(records.map((r) => [r.type, header(r, 'WARC-Target-URI')])).toEqual([
      ['response', `${origin.url}/echo`],
      ['request', `${origin.url}/echo`],
      ['response', `${origin.url}/plain`],
      ['request', `${origin.url}/plain`],
    ]);
    expect(records[0]!.block.equals(origin.switchHeads[0]!)).toBe(true);
  });

  it("undici's WebSocket with the dispatcher: messages round-trip, the handshake is the one pair", async () => {
    const ws = new undici.WebSocket(`${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${origin.port}/echo`, { dispatcher: client.dispatcher });
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.addEventListener('message', (e) => {
        messages.push(String(e.data));
        if (messages.length === 1) ws.send('round trip');
        else ws.close();
      });
      ws.addEventListener('close', () => resolve());
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    await done;
    expect(messages).toEqual([GREETING, 'round trip']);
    await expectHandshakePairOnly();
  });

  it("the client's http(s) agent: node's 'upgrade' event gets the socket, frames round-trip, the handshake is the one pair", async () => {
    const key = randomBytes(16).toString('base64');
    let written: Promise<WrittenExchange> | undefined;
    const agents = client.agents({ onWritten: (w) => (written = w) });
    const up = await new Promise<{ socket: Duplex; head: Buffer; accept: unknown }>((resolve, reject) => {
      const request = scheme === 'https' ? https.request : http.request;
      const req = request(`${origin.url}/echo`, {
        agent: scheme === 'https' ? agents.https : agents.http,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': '13' },
      });
      req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => resolve({ socket, head, accept: res.headers['sec-websocket-accept'] }));
      req.on('response', (res) => reject(new Error(`answered ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(up.accept).toBe(acceptKey(key));
    const reader = new FrameReader();
    // node hands over what came after the head in the same read as `head`.
    const early = reader.push(up.head);
    const greeting = early.length > 0 ? early[0]! : (await readFrames(up.socket, 1, reader))[0]!;
    expect(greeting.payload.toString()).toBe(GREETING);
    up.socket.write(encodeFrame(0x1, Buffer.from('through the agent'), true));
    expect((await readFrames(up.socket, 1, reader))[0]!.payload.toString()).toBe('through the agent');
    expect(await written!).toMatchObject({ status: 101 });
    up.socket.destroy();
    await closed(up.socket);
    await expectHandshakePairOnly();
  });

  it('close() does not wait for a tunnel the caller still holds, and leaves it working', async () => {
    const up = (await dispatchUpgrade(client.dispatcher, origin.url, '/echo', randomBytes(16).toString('base64'), () => undefined)) as Upgraded;
    const reader = new FrameReader();
    await readFrames(up.socket, 1, reader);
    await client.close();
    up.socket.write(encodeFrame(0x1, Buffer.from('after close'), true));
    expect((await readFrames(up.socket, 1, reader))[0]!.payload.toString()).toBe('after close');
    up.socket.destroy();
    await closed(up.socket);
    expect(client.stats).toMatchObject({ written: 1, failed: 0 });
  });

  it('a 403 to an upgrade request is an ordinary exchange: the caller gets the response, the pair has its body', async () => {
    let written: Promise<WrittenExchange> | undefined;
    const answer = (await dispatchUpgrade(client.dispatcher, origin.url, '/deny', randomBytes(16).toString('base64'), (w) => (written = w))) as Answered;
    expect(answer).toEqual({ statusCode: 403, body: DENIED });
    expect(await written!).toMatchObject({ status: 403 });
    await client.close();
    const records = await recordsIn(dir);
    expect(records.map((r) => r.type)).toEqual(['response', 'request']);
    expect(records[0]!.block.toString('latin1')).toMatch(new RegExp(`^HTTP/1.1 403 Forbidden\\r\\n[^]*\\r\\n\\r\\n${DENIED}$`));
    expect(header(records[0]!, 'WARC-Truncated')).toBeUndefined();
  });
});

test('an upgrade dispatch whose handler could not take the socket is refused with ERR_INVALID_REQUEST, before any connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-websocket-'));
  const origin = await startWebSocketOrigin('http');
  const client = await WarcClient.create({ writer: { directory: dir } });
  try {
    const writtens: Array<Promise<WrittenExchange>> = [];
    const opts = {
      origin: origin.url,
      path: '/echo',
      method: 'GET',
      upgrade: 'websocket',
      headers: { 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-version': '13' },
      warcwire: { onWritten: (w: Promise<WrittenExchange>) => writtens.push(w) },
    } as Dispatcher.DispatchOptions;
    const controllerStyle = { onRequestStart() {}, onResponseError() {} };
    const legacyStyle = { onConnect() {}, onError() {} };
    for (const handler of [controllerStyle, legacyStyle]) {
      expect(() => client.dispatcher.dispatch(opts, handler as Dispatcher.DispatchHandler)).toThrow(
        expect.objectContaining({ name: 'ClientError', code: 'ERR_INVALID_REQUEST', message: expect.stringMatching(/needs a handler with an on(Request)?Upgrade method/) }),
      );
    }
    expect(writtens).toHaveLength(2);
    for (const w of writtens) await expect(w).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
    expect(origin.accepted).toHaveLength(0);
  } finally {
    await client.close();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an Upgrade field that says something else than `upgrade` is left for undici to refuse (ERR_INVALID_REQUEST), before any connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-websocket-'));
  const origin = await startWebSocketOrigin('http');
  const client = await WarcClient.create({ writer: { directory: dir } });
  try {
    for (const headers of [{ upgrade: 'h2c' }, new Map([['Upgrade', 'websocket, h2c']])]) {
      const err = await undici
        .upgrade(`${origin.url}/echo`, { dispatcher: client.dispatcher, protocol: 'websocket', headers: headers as unknown as Record<string, string> })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ name: 'ClientError', code: 'ERR_INVALID_REQUEST', message: 'invalid upgrade header' });
    }
    expect(origin.accepted).toHaveLength(0);
  } finally {
    await client.close();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("undici.upgrade answered 403: the caller gets undici's own refusal, as without warcwire; the 403 pair is recorded whole", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-websocket-'));
  const origin = await startWebSocketOrigin('http');
  const client = await WarcClient.create({ writer: { directory: dir } });
  const headers = { 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-version': '13' };
  const failure = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );
  try {
    const plain = new undici.Client(origin.url);
    const direct = await failure(undici.upgrade(`${origin.url}/deny`, { dispatcher: plain, protocol: 'websocket', headers }));
    await plain.close();
    let written: Promise<WrittenExchange> | undefined;
    const captured = await failure(
      undici.upgrade(`${origin.url}/deny`, {
        dispatcher: client.dispatcher,
        protocol: 'websocket',
        headers,
        warcwire: { onWritten: (w: Promise<WrittenExchange>) => (written = w) },
      } as Parameters<typeof undici.upgrade>[1]),
    );
    expect(direct).toBeInstanceOf(Error);
    expect(captured).toMatchObject({ name: (direct as Error).name, message: (direct as Error).message, code: (direct as { code?: string }).code });
    expect(await written!).toMatchObject({ status: 403 });
    await client.close();
    expect(client.stats).toMatchObject({ written: 1, failed: 0 });
    const records = await recordsIn(dir);
    expect(records.map((r) => r.type)).toEqual(['response', 'request']);
    expect(records[0]!.block.toString('latin1')).toMatch(new RegExp(`^HTTP/1.1 403 Forbidden\\r\\n[^]*\\r\\n\\r\\n${DENIED}$`));
  } finally {
    await client.close();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
