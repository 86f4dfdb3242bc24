/**
 * The capture hands each message's share of a socket chunk to its capture block in ONE append
 * (spool + block digest + payload digest), and the digests are those node:crypto gives over the
 * same bytes, however the traffic is cut: pipelined requests and responses over a real loopback
 * connection, written in seeded random pieces that each reach the other side before the next.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadBackend } from '../../src/backend';
import type { Backend, CaptureBlock } from '../../src/backend/types';
import { CaptureConnection } from '../../src/capture';
import type { ExchangeOutcome } from '../../src/capture/outcome';
import { seededRandom } from '../../src/proxy/seeded-random';
import { seededBytes } from '../helpers/backend-tools';

const real = loadBackend();
const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');
const sha1 = (bytes: Uint8Array) => `sha1:${createHash('sha1').update(bytes).digest('hex')}`;

interface Message {
  raw: Buffer;
  /** The WARC payload (the de-chunked body of the final response); requests have none here. */
  payload: Buffer;
}

function chunked(body: Buffer, sizes: number[], trailer: string): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(Buffer.from(`${size.toString(16)};ext=1\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(crlf(`0\n${trailer}\n`));
  return Buffer.concat(parts);
}

const bodies = [seededBytes(5000, 1), seededBytes(2000, 2), seededBytes(700, 3), seededBytes(1500, 4)];
const responses: Message[] = [
  { raw: Buffer.concat([crlf('HTTP/1.1 200 OK\nContent-Length: 5000\n\n'), bodies[0]!]), payload: bodies[0]! },
  { raw: Buffer.concat([crlf('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n'), chunked(bodies[1]!, [1, 999, 1000], 'X-Trailer: t\n')]), payload: bodies[1]! },
  { raw: Buffer.concat([crlf('HTTP/1.1 103 Early Hints\nLink: </s.css>\n\nHTTP/1.1 200 OK\nContent-Length: 700\n\n'), bodies[2]!]), payload: bodies[2]! },
  { raw: Buffer.concat([crlf('HTTP/1.0 200 OK\n\n'), bodies[3]!]), payload: bodies[3]! }, // ends with the connection
];
const postBody = seededBytes(900, 5);
const requests: Message[] = [
  { raw: crlf('GET /1 HTTP/1.1\nHost: h\n\n'), payload: Buffer.alloc(0) },
  { raw: Buffer.concat([crlf('POST /2 HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n'), chunked(postBody, [400, 500], '')]), payload: Buffer.alloc(0) },
  { raw: crlf('GET /3 HTTP/1.1\nHost: h\n\n'), payload: Buffer.alloc(0) },
  { raw: crlf('GET /4 HTTP/1.1\nHost: h\n\n'), payload: Buffer.alloc(0) },
];

/** `bytes` cut at seeded random places: mostly small pieces, now and then a large one. */
function pieces(bytes: Buffer, random: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * (random() < 0.1 ? 4000 : 120));
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 1));
}

/** The real backend, with every capture block's appends counted per block. */
function countingBackend(appends: Map<CaptureBlock, number>): Backend {
  return {
    ...real,
    createCaptureBlock(options) {
      const block = real.createCaptureBlock(options);
      const append = block.append.bind(block);
      appends.set(block, 0);
      block.append = (chunk, ranges) => {
        appends.set(block, appends.get(block)! + 1);
        append(chunk, ranges);
      };
      return block;
    },
  };
}

/** How many of the pieces (in stream order) hold bytes of each message. */
function piecesPerMessage(pieceSizes: number[], messages: Message[]): number[] {
  const counts: number[] = [];
  let start = 0;
  for (const m of messages) {
    const end = start + m.raw.length;
    let at = 0;
    counts.push(pieceSizes.filter((size) => ((at += size), at - size < end && at > start)).length);
    start = end;
  }
  return counts;
}

async function captureSplit(seed: number, maxResponseBytes: number) {
  const random = seededRandom(seed);
  const requestStream = Buffer.concat(requests.map((m) => m.raw));
  const responseStream = Buffer.concat(responses.map((m) => m.raw));
  let serverGot = 0;
  let server!: net.Socket;
  const listener = net.createServer((s) => {
    server = s;
    s.on('data', (d) => (serverGot += d.length));
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const socket = net.connect((listener.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  await until(() => server !== undefined);

  // Installed before the capture's tee, which calls it after observing: every push, in order.
  const received: number[] = [];
  const push = socket.push;
  socket.push = function (chunk: unknown, encoding?: BufferEncoding) {
    if (chunk instanceof Uint8Array && chunk.length > 0) received.push(chunk.length);
    return push.call(this, chunk, encoding);
  };
  const appends = new Map<CaptureBlock, number>();
  const outcomes: Array<ExchangeOutcome<undefined>> = [];
  new CaptureConnection<undefined>({
    backend: countingBackend(appends),
    digestAlgorithm: 'sha1',
    spool: {},
    maxResponseBytes,
    info: { scheme: 'http', authority: 'h', proxied: false },
    takeCaller: () => undefined,
    onOutcome: (outcome) => outcomes.push(outcome),
  }).attach(socket);
  let clientGot = 0;
  socket.on('data', (d: Buffer) => (clientGot += d.length));

  const sent = pieces(requestStream, random);
  for (const piece of sent) {
    const target = serverGot + piece.length;
    socket.write(piece);
    await until(() => serverGot === target);
  }
  for (const piece of pieces(responseStream, random)) {
    const target = clientGot + piece.length;
    server.write(piece);
    await until(() => clientGot === target);
  }
  server.end();
  await until(() => outcomes.length === responses.length);
  socket.destroy();
  await new Promise<void>((r) => listener.close(() => r()));
  return { outcomes, exchanges: outcomes.map((o) => o.exchange), appends, sentSizes: sent.map((p) => p.length), receivedSizes: received };
}

describe(`capture: one crossing per chunk (${real.name} backend)`, () => {
  test.each([1, 2, 3, 4])('digests equal node:crypto over seeded random splits (seed %d); one append per message per chunk', async (seed) => {
    const { outcomes, exchanges, appends, sentSizes, receivedSizes } = await captureSplit(seed, 1 << 20);
    expect(outcomes.map((o) => [o.exchange.requestHead?.target, o.state])).toEqual([
      ['/1', 'complete'],
      ['/2', 'complete'],
      ['/3', 'complete'],
      ['/4', 'complete'],
    ]);
    exchanges.forEach((ex, i) => {
      expect(ex.request.read(0, ex.request.size).equals(requests[i]!.raw)).toBe(true);
      expect(ex.request.blockDigest('base16')).toBe(sha1(requests[i]!.raw));
      expect(ex.response!.read(0, ex.response!.size).equals(responses[i]!.raw)).toBe(true);
      expect(ex.response!.blockDigest('base16')).toBe(sha1(responses[i]!.raw));
      expect(ex.response!.payloadDigest('base16')).toBe(sha1(responses[i]!.payload));
      expect(ex.payloadLength).toBe(responses[i]!.payload.length);
    });
    expect(exchanges.map((ex) => appends.get(ex.request))).toEqual(piecesPerMessage(sentSizes, requests));
    expect(exchanges.map((ex) => appends.get(ex.response!))).toEqual(piecesPerMessage(receivedSizes, responses));
    for (const ex of exchanges) ex.discard();
  });

  test.each([5, 6])('a body cut by maxResponseBytes keeps the head and the first bytes, with their block digest and no payload digest (seed %d)', async (seed) => {
    const cap = 1000;
    const { outcomes, exchanges } = await captureSplit(seed, cap);
    expect(outcomes.map((o) => [o.state, o.state === 'truncated' ? o.reason : undefined])).toEqual([
      ['truncated', 'length'],
      ['truncated', 'length'],
      ['complete', undefined],
      ['truncated', 'length'],
    ]);
    exchanges.forEach((ex, i) => {
      const raw = responses[i]!.raw;
      const kept = ex.truncated === undefined ? raw : raw.subarray(0, ex.responseHead!.length + ex.finalHeadOffset + cap);
      expect(ex.response!.read(0, ex.response!.size).equals(kept)).toBe(true);
      expect(ex.response!.blockDigest('base16')).toBe(sha1(kept));
      expect(ex.response!.payloadDigest('base16')).toBe(ex.truncated === undefined ? sha1(responses[i]!.payload) : undefined);
    });
    for (const ex of exchanges) ex.discard();
  });
});
