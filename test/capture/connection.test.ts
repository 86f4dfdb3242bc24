import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { loadBackend } from '../../src/backend';
import { CaptureConnection, type ExchangeOutcome } from '../../src/capture';

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

function captureOn(duplex: Duplex, callers: string[], maxResponseBytes = 1 << 20): { outcomes: Array<ExchangeOutcome<string>>; conn: CaptureConnection<string> } {
  const outcomes: Array<ExchangeOutcome<string>> = [];
  const conn = new CaptureConnection<string>({
    backend,
    digestAlgorithm: 'sha1',
    spool: {},
    maxResponseBytes,
    info: { scheme: 'http', authority: 'example.test', proxied: false },
    takeCaller: () => callers.shift(),
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  conn.attach(duplex);
  return { outcomes, conn };
}

const capture = (duplex: Duplex, callers: string[]): Array<ExchangeOutcome<string>> => captureOn(duplex, callers).outcomes;

test('pipelined requests on one connection pair with their responses in order; the consumer sees every byte', async () => {
  const answers = ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n', 'HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\n'];
  const server = await rawServer(answers);
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const outcomes = capture(socket, ['a', 'b', 'c']);
  // The consumer reads with 'readable' + read(), as undici does.
  let seen = '';
  socket.on('readable', () => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) seen += chunk.toString('latin1');
  });
  socket.write('GET /1 HTTP/1.1\r\nHost: example.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: example.test\r\n\r\n');
  socket.write('HEAD /3 HTTP/1.1\r\nHost: example.test\r\n\r\n', 'latin1');
  const expected = answers.join('');
  while (outcomes.length < 3) await new Promise((r) => setTimeout(r, 5));
  expect(seen).toBe(expected);
  expect(outcomes.map((o) => [o.exchange.caller, o.exchange.requestHead!.target, o.exchange.responseHead!.status, o.state])).toEqual([
    ['a', '/1', 200, 'complete'],
    ['b', '/2', 200, 'complete'],
    ['c', '/3', 404, 'complete'],
  ]);
  const exchanges = outcomes.map((o) => o.exchange);
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
  const outcomes = capture(socket, ['x']);
  socket.resume();
  socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  await new Promise((r) => socket.once('end', r));
  expect(outcomes).toHaveLength(1);
  expect(outcomes[0]!.state).toBe('complete');
  outcomes[0]!.exchange.discard();
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
  expect(unanswered[0]!.exchange.caller).toBe('y');
  expect(unanswered[0]).toMatchObject({ state: 'failed', error: { code: 'ERR_CAPTURE_NO_RESPONSE' } });
  unanswered[0]!.exchange.discard();
  await silent.close();
});

test('a response cut by the peer is truncated (disconnect); the cap truncates by length', async () => {
  const server = await rawServer(['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part'], true);
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const outcomes = capture(socket, []);
  socket.resume();
  socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  await new Promise((r) => socket.once('close', r));
  expect(outcomes[0]).toMatchObject({ state: 'truncated', reason: 'disconnect', cause: { code: 'ERR_CAPTURE_CONNECTION_CLOSED' } });
  outcomes[0]!.exchange.discard();

  const server2 = await rawServer([`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'z'.repeat(1000)}`]);
  const s2 = net.connect(server2.port, '127.0.0.1');
  await new Promise((r) => s2.once('connect', r));
  const capped = captureOn(s2, [], 100).outcomes;
  s2.resume();
  s2.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  while (capped.length < 1) await new Promise((r) => setTimeout(r, 5));
  // The message ended (all 1000 bytes went by), but only 100 body bytes were kept.
  expect(capped[0]).toMatchObject({ state: 'truncated', reason: 'length' });
  expect(capped[0]!).not.toHaveProperty('cause');
  const ex = capped[0]!.exchange;
  expect(ex.response!.size).toBe(ex.responseHead!.length + 100); // the cap counts the body only
  ex.discard();
  s2.destroy();
  await server.close();
  await server2.close();
});

/** A Duplex that is not a socket, as one side of a proxied connection would be: what is written to it goes out, `receive` hands it bytes. */
function loopDuplex(): { duplex: Duplex; sent: Buffer[]; receive(b: string | null): void } {
  const sent: Buffer[] = [];
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      sent.push(chunk);
      cb();
    },
    read() {},
  });
  duplex.resume();
  duplex.on('error', () => undefined); // the reason it was destroyed with; the outcome carries what matters
  return { duplex, sent, receive: (b) => duplex.push(b === null ? null : Buffer.from(b, 'latin1')) };
}

test('the core takes any Duplex: one outcome per exchange, complete, then failed (malformed) with a typed error', async () => {
  const { duplex, receive } = loopDuplex();
  const { outcomes } = captureOn(duplex, ['ok', 'bad']);
  duplex.write('GET /a HTTP/1.1\r\nHost: h\r\n\r\n');
  receive('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
  expect(outcomes.map((o) => [o.exchange.caller, o.state])).toEqual([['ok', 'complete']]);
  duplex.write('GET /b HTTP/1.1\r\nHost: h\r\n\r\n');
  receive('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  expect(outcomes[1]).toMatchObject({ state: 'failed', error: { code: 'ERR_HTTP_INVALID_CHUNK' } });
  expect(outcomes[1]!.exchange.caller).toBe('bad');
  // The core destroys what it can no longer capture.
  await new Promise((r) => duplex.once('close', r));
  expect(outcomes).toHaveLength(2);
  for (const o of outcomes) o.exchange.discard();
});

test("cut(reason) before our side closes makes the outcome truncated with that reason, not 'disconnect'", async () => {
  for (const reason of ['time', 'length'] as const) {
    const { duplex, receive } = loopDuplex();
    const { outcomes, conn } = captureOn(duplex, ['r']);
    duplex.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    receive('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
    conn.cut(reason);
    duplex.destroy(new Error('we gave up'));
    await new Promise((r) => duplex.once('close', r));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ state: 'truncated', reason, cause: { code: 'ERR_CAPTURE_CONNECTION_CLOSED' } });
    expect(outcomes[0]!.exchange.outcome).toBe(outcomes[0]);
    outcomes[0]!.exchange.discard();
  }
  // Without a cut, our side closing is a disconnect.
  const { duplex, receive } = loopDuplex();
  const { outcomes } = captureOn(duplex, ['r']);
  duplex.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  receive('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
  duplex.destroy();
  await new Promise((r) => duplex.once('close', r));
  expect(outcomes[0]).toMatchObject({ state: 'truncated', reason: 'disconnect' });
  outcomes[0]!.exchange.discard();
});
