import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadBackend } from '../../src/backend';
import { CaptureConnection, type CapturedExchange } from '../../src/capture';

const backend = loadBackend();

/** A server that answers each request with the given raw bytes (in order), then optionally closes. */
async function rawServer(answers: string[], closeAfter = false): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    let seen = '';
    let i = 0;
    s.on('data', (d) => {
      seen += d.toString('latin1');
      let idx;
      while ((idx = seen.indexOf('\r\n\r\n')) >= 0 && i < answers.length) {
        seen = seen.slice(idx + 4);
        s.write(answers[i++]!);
        if (closeAfter && i === answers.length) s.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function capture(socket: net.Socket, tags: string[]) {
  const exchanges: Array<CapturedExchange<string>> = [];
  const conn = new CaptureConnection<string>({
    backend,
    digestAlgorithm: 'sha1',
    spool: {},
    maxResponseBytes: 1 << 20,
    info: { scheme: 'http', authority: 'example.test', proxied: false },
    takeTag: () => tags.shift(),
    onExchange: (ex) => exchanges.push(ex),
  });
  conn.attach(socket);
  return exchanges;
}

test('pipelined requests on one connection pair with their responses in order; the consumer sees every byte', async () => {
  const answers = ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n', 'HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\n'];
  const server = await rawServer(answers);
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const exchanges = capture(socket, ['a', 'b', 'c']);
  // The consumer reads with 'readable' + read(), as undici does.
  let seen = '';
  socket.on('readable', () => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) seen += chunk.toString('latin1');
  });
  socket.write('GET /1 HTTP/1.1\r\nHost: example.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: example.test\r\n\r\n');
  socket.write('HEAD /3 HTTP/1.1\r\nHost: example.test\r\n\r\n', 'latin1');
  const expected = answers.join('');
  while (exchanges.length < 3) await new Promise((r) => setTimeout(r, 5));
  expect(seen).toBe(expected);
  expect(exchanges.map((e) => [e.tag, e.requestHead!.target, e.responseHead!.status, e.responseComplete])).toEqual([
    ['a', '/1', 200, true],
    ['b', '/2', 200, true],
    ['c', '/3', 404, true],
  ]);
  // A response to HEAD has no body whatever its Content-Length says.
  expect(exchanges[2]!.response!.read(0, 100).toString('latin1')).toBe('HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\n');
  expect(exchanges[1]!.response!.read(0, 1000).toString('latin1')).toBe(answers[1]);
  for (const e of exchanges) e.discard();
  socket.destroy();
  await server.close();
});

test('a close-delimited response ends with the connection; a request with no answer fails with a typed error', async () => {
  const server = await rawServer(['HTTP/1.0 200 OK\r\n\r\nuntil close'], true);
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const exchanges = capture(socket, ['x']);
  socket.resume();
  socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  await new Promise((r) => socket.once('end', r));
  expect(exchanges).toHaveLength(1);
  expect(exchanges[0]!.responseComplete).toBe(true);
  expect(exchanges[0]!.truncated).toBeUndefined();
  exchanges[0]!.discard();
  await server.close();

  const silent = await rawServer([]);
  const s2 = net.connect(silent.port, '127.0.0.1');
  await new Promise((r) => s2.once('connect', r));
  const unanswered = capture(s2, ['y']);
  s2.write('GET /late HTTP/1.1\r\nHost: h\r\n\r\n');
  await new Promise((r) => setTimeout(r, 20));
  s2.destroy();
  await new Promise((r) => s2.once('close', r));
  expect(unanswered).toHaveLength(1);
  expect(unanswered[0]!.tag).toBe('y');
  expect(unanswered[0]!.error).toMatchObject({ code: 'ERR_CAPTURE_NO_RESPONSE' });
  unanswered[0]!.discard();
  await silent.close();
});

test('a response cut by the peer is truncated (disconnect); the cap truncates by length', async () => {
  const server = await rawServer(['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part'], true);
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const exchanges = capture(socket, []);
  socket.resume();
  socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  await new Promise((r) => socket.once('close', r));
  expect(exchanges[0]!.truncated).toBe('disconnect');
  expect(exchanges[0]!.error).toMatchObject({ code: 'ERR_CAPTURE_CONNECTION_CLOSED' });
  exchanges[0]!.discard();

  const capped: Array<CapturedExchange<string>> = [];
  const server2 = await rawServer([`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'z'.repeat(1000)}`]);
  const s2 = net.connect(server2.port, '127.0.0.1');
  await new Promise((r) => s2.once('connect', r));
  new CaptureConnection<string>({
    backend,
    digestAlgorithm: 'sha256',
    spool: {},
    maxResponseBytes: 100,
    info: { scheme: 'http', authority: 'h', proxied: false },
    takeTag: () => undefined,
    onExchange: (ex) => capped.push(ex),
  }).attach(s2);
  s2.resume();
  s2.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  while (capped.length < 1) await new Promise((r) => setTimeout(r, 5));
  expect(capped[0]!.truncated).toBe('length');
  expect(capped[0]!.response!.size).toBe(capped[0]!.responseHead!.length + 100); // the cap counts the body only
  expect(capped[0]!.responseComplete).toBe(true);
  capped[0]!.discard();
  s2.destroy();
  await server.close();
  await server2.close();
});
