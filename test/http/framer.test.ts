import { createHash } from 'node:crypto';
import { HttpParseError, RequestFramer, ResponseFramer, type RequestHead, type ResponseHead } from '../../src/http';

interface Message {
  raw: Buffer;
  heads: Array<{ head: RequestHead | ResponseHead; interim: boolean }>;
  payload: Buffer;
  ended: boolean;
}

/** Feeds `input` in pieces cut at `cuts` and records every event. */
function frame(side: 'request' | 'response', input: Buffer, cuts: number[], methods: string[] = []) {
  const messages: Message[] = [];
  let cur: Message | undefined;
  let pushed: Buffer = Buffer.alloc(0);
  const events = {
    onMessageStart: () => {
      expect(cur === undefined || cur.ended).toBe(true);
      cur = { raw: Buffer.alloc(0), heads: [], payload: Buffer.alloc(0), ended: false };
      messages.push(cur);
    },
    onBytes: (d: Uint8Array) => {
      expect(cur && !cur.ended).toBe(true);
      cur!.raw = Buffer.concat([cur!.raw, d]);
    },
    onHead: (head: RequestHead | ResponseHead, interim: boolean) => cur!.heads.push({ head, interim }),
    onPayload: (d: Uint8Array, offset: number) => {
      // The offset says where the slice is in the chunk being pushed (the capture relies on it).
      expect(Buffer.from(pushed.subarray(offset, offset + d.byteLength)).equals(d)).toBe(true);
      cur!.payload = Buffer.concat([cur!.payload, d]);
    },
    onMessageEnd: () => {
      cur!.ended = true;
    },
  };
  const framer = side === 'request' ? new RequestFramer(events) : new ResponseFramer(events);
  if (framer instanceof ResponseFramer) for (const m of methods) framer.expectResponseTo(m);
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    pushed = input.subarray(prev, c);
    framer.push(pushed);
    prev = c;
  }
  const finish = framer.finish();
  return { messages, finish };
}

/** Runs `check` for every single cut position and for byte-by-byte feeding. */
function everySplit(input: Buffer, check: (cuts: number[]) => void): void {
  check([]);
  for (let i = 1; i < input.length; i++) check([i]);
  check(Array.from({ length: input.length - 1 }, (_, i) => i + 1));
}

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');

describe('ResponseFramer', () => {
  test('Content-Length responses back to back, split anywhere', () => {
    const r1 = crlf('HTTP/1.1 200 OK\nContent-Length: 5\nX-A: b\n\n') ;
    const r2 = crlf('HTTP/1.1 404 Not Found\ncontent-length: 3\n\n');
    const input = Buffer.concat([r1, Buffer.from('hello'), r2, Buffer.from('abc')]);
    everySplit(input, (cuts) => {
      const { messages, finish } = frame('response', input, cuts);
      expect(finish).toBe('between-messages');
      expect(messages).toHaveLength(2);
      expect(messages[0]!.raw.equals(Buffer.concat([r1, Buffer.from('hello')]))).toBe(true);
      expect(messages[0]!.payload.toString()).toBe('hello');
      const h = messages[0]!.heads[0]!.head as ResponseHead;
      expect([h.status, h.reason, h.version, h.headers]).toEqual([200, 'OK', '1.1', [['Content-Length', '5'], ['X-A', 'b']]]);
      expect(h.length).toBe(r1.length);
      expect(messages[1]!.payload.toString()).toBe('abc');
      expect((messages[1]!.heads[0]!.head as ResponseHead).status).toBe(404);
    });
  });

  test('chunked with extensions and trailers is de-chunked; raw bytes kept', () => {
    const body = crlf('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n4;name=val;x\nWiki\n000005\npedia\nE\n in\n\nchunks.\n0;last\nExpires: never\nX-T: 1\n\n');
    const next = crlf('HTTP/1.1 204 No Content\n\n');
    const input = Buffer.concat([body, next]);
    everySplit(input, (cuts) => {
      const { messages } = frame('response', input, cuts);
      expect(messages).toHaveLength(2);
      expect(messages[0]!.raw.equals(body)).toBe(true);
      expect(messages[0]!.payload.toString('latin1')).toBe('Wikipedia in\r\n\r\nchunks.');
      expect(messages[1]!.raw.equals(next)).toBe(true);
      expect(messages[1]!.ended).toBe(true);
    });
  });

  test('close-delimited body ends at EOF', () => {
    const input = crlf('HTTP/1.0 200 OK\nContent-Type: text/plain\n\nuntil the end\nof the stream');
    everySplit(input, (cuts) => {
      const { messages, finish } = frame('response', input, cuts);
      expect(finish).toBe('message-ended');
      expect(messages[0]!.ended).toBe(true);
      expect(messages[0]!.payload.toString()).toBe('until the end\r\nof the stream');
      expect(messages[0]!.raw.equals(input)).toBe(true);
    });
  });

  test('a transfer-coding not ending in chunked means close-delimited', () => {
    const input = crlf('HTTP/1.1 200 OK\nTransfer-Encoding: gzip\nContent-Length: 2\n\nabcdef');
    const { messages, finish } = frame('response', input, []);
    expect(finish).toBe('message-ended');
    expect(messages[0]!.payload.toString()).toBe('abcdef');
  });

  test('HEAD, 204 and 304 have no body even with Content-Length', () => {
    const a = crlf('HTTP/1.1 200 OK\nContent-Length: 1000\n\n');
    const b = crlf('HTTP/1.1 204 No Content\nContent-Length: 7\n\n');
    const c = crlf('HTTP/1.1 304 Not Modified\nContent-Length: 9\n\n');
    const d = crlf('HTTP/1.1 200 OK\nContent-Length: 2\n\nok');
    const input = Buffer.concat([a, b, c, d]);
    everySplit(input, (cuts) => {
      const { messages, finish } = frame('response', input, cuts, ['HEAD', 'GET', 'GET', 'GET']);
      expect(finish).toBe('between-messages');
      expect(messages.map((m) => m.raw.length)).toEqual([a.length, b.length, c.length, d.length]);
      expect(messages[3]!.payload.toString()).toBe('ok');
    });
  });

  test('1xx interim responses stay in the same message before the final one', () => {
    const input = crlf('HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </s.css>\n\nHTTP/1.1 201 Created\nContent-Length: 2\n\nok');
    everySplit(input, (cuts) => {
      const { messages } = frame('response', input, cuts, ['POST']);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.heads.map((h) => [(h.head as ResponseHead).status, h.interim])).toEqual([[100, true], [103, true], [201, false]]);
      expect(messages[0]!.raw.equals(input)).toBe(true);
      expect(messages[0]!.payload.toString()).toBe('ok');
    });
  });

  test('leading blank lines before a status line are tolerated', () => {
    const input = crlf('\nHTTP/1.1 200 OK\nContent-Length: 1\n\nx');
    const { messages } = frame('response', input, [1]);
    expect((messages[0]!.heads[0]!.head as ResponseHead).status).toBe(200);
    expect(messages[0]!.raw.equals(input)).toBe(true);
  });

  // The framer ends a head at a line of nothing but CRs; the head parser once read such a
  // line as a field line (or as the status line) and failed the exchange.
  test('blank lines of several CRs, before the status line and ending the head, are blank lines', () => {
    const input = Buffer.from('\r\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\r\nx', 'latin1');
    everySplit(input, (cuts) => {
      const { messages } = frame('response', input, cuts);
      const head = messages[0]!.heads[0]!.head as ResponseHead;
      expect([head.status, head.headers, messages[0]!.payload.toString()]).toEqual([200, [['Content-Length', '1']], 'x']);
      expect(messages[0]!.raw.equals(input)).toBe(true);
    });
  });

  test('stream ending inside a message is incomplete', () => {
    expect(frame('response', crlf('HTTP/1.1 200 OK\nContent-Length: 10\n\nabc'), []).finish).toBe('incomplete');
    expect(frame('response', crlf('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nab'), []).finish).toBe('incomplete');
    expect(frame('response', crlf('HTTP/1.1 200 OK\nContent-'), []).finish).toBe('incomplete');
  });

  test('a large payload gives the right digest of the decoded body', () => {
    const payload = Buffer.alloc(300_000, 7);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const parts: Buffer[] = [crlf('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n')];
    for (let o = 0; o < payload.length; o += 65_000) {
      const piece = payload.subarray(o, o + 65_000);
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    const input = Buffer.concat(parts);
    const cuts: number[] = [];
    for (let c = 1000; c < input.length; c += 16_384) cuts.push(c);
    const { messages } = frame('response', input, cuts);
    const sha = (b: Buffer) => createHash('sha1').update(b).digest('hex');
    expect(sha(messages[0]!.payload)).toBe(sha(payload));
    expect(messages[0]!.raw.equals(input)).toBe(true);
  });
});

describe('RequestFramer', () => {
  test('GET, POST with Content-Length and chunked POST, split anywhere', () => {
    const g = crlf('GET /a?b=c HTTP/1.1\nHost: example.com\n\n');
    const p = Buffer.concat([crlf('POST /form HTTP/1.1\nHost: x\nContent-Length: 7\n\n'), Buffer.from('a=1&b=2')]);
    const c = crlf('PUT /up HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n');
    const input = Buffer.concat([g, p, c]);
    everySplit(input, (cuts) => {
      const { messages, finish } = frame('request', input, cuts);
      expect(finish).toBe('between-messages');
      expect(messages.map((m) => m.raw.length)).toEqual([g.length, p.length, c.length]);
      const h = messages[0]!.heads[0]!.head as RequestHead;
      expect([h.method, h.target, h.version]).toEqual(['GET', '/a?b=c', '1.1']);
      expect(messages[1]!.payload.toString()).toBe('a=1&b=2');
      expect(messages[2]!.payload.toString()).toBe('abc');
    });
  });

  test('a request with a transfer-coding not ending in chunked is refused', () => {
    expect(() => frame('request', crlf('POST / HTTP/1.1\nTransfer-Encoding: gzip\n\n'), [])).toThrow(
      expect.objectContaining({ code: 'ERR_HTTP_INVALID_TRANSFER_ENCODING' }),
    );
  });
});

describe('typed errors', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(HttpParseError);
      return (err as HttpParseError).code;
    }
    throw new Error('did not throw');
  };

  test('head over 64 KiB', () => {
    const big = Buffer.concat([crlf('HTTP/1.1 200 OK\n'), Buffer.from(`X-Big: ${'a'.repeat(70_000)}\r\n\r\n`)]);
    expect(code(() => frame('response', big, [100, 40_000]))).toBe('ERR_HTTP_HEAD_TOO_LARGE');
    // Exactly at the limit is fine.
    const head = crlf('HTTP/1.1 200 OK\nContent-Length: 0\nX-Pad: ');
    const fill = 64 * 1024 - head.length - 4;
    const atLimit = Buffer.concat([head, Buffer.alloc(fill, 'p'), Buffer.from('\r\n\r\n')]);
    expect(atLimit.length).toBe(64 * 1024);
    expect(frame('response', atLimit, []).messages[0]!.ended).toBe(true);
  });

  test('1xx interim heads share the final head\'s 64 KiB: a flood of them is refused, a response at the limit is whole', () => {
    const interim = crlf('HTTP/1.1 103 Early Hints\nLink: </a.css>; rel=preload\n\n');
    const flood = Buffer.concat(Array.from({ length: Math.ceil((64 * 1024) / interim.length) + 1 }, () => interim));
    expect(code(() => frame('response', flood, [interim.length, 5000]))).toBe('ERR_HTTP_HEAD_TOO_LARGE');
    // Interim heads and the final head exactly at 64 KiB together: one message, every head reported.
    const count = 1000;
    const final = crlf('HTTP/1.1 200 OK\nContent-Length: 0\nX-Pad: ');
    const fill = 64 * 1024 - count * interim.length - final.length - 4;
    const atLimit = Buffer.concat([...Array.from({ length: count }, () => interim), final, Buffer.alloc(fill, 'p'), Buffer.from('\r\n\r\n')]);
    expect(atLimit.length).toBe(64 * 1024);
    const { messages } = frame('response', atLimit, [7, 30_000]);
    expect([messages.length, messages[0]!.heads.length, messages[0]!.ended]).toEqual([1, count + 1, true]);
    // The next response starts a fresh budget.
    const twice = Buffer.concat([atLimit, atLimit]);
    expect(frame('response', twice, [70_000], ['GET', 'GET']).messages.map((m) => m.ended)).toEqual([true, true]);
  });

  test('malformed status and request lines, bad header', () => {
    expect(code(() => frame('response', crlf('HTTP/1.1 2000 OK\n\n'), []))).toBe('ERR_HTTP_MALFORMED_STATUS');
    expect(code(() => frame('response', crlf('SSH-2.0-OpenSSH\n\n'), []))).toBe('ERR_HTTP_MALFORMED_STATUS');
    expect(code(() => frame('request', crlf('GET /\n\n'), []))).toBe('ERR_HTTP_MALFORMED_REQUEST');
    expect(code(() => frame('response', crlf('HTTP/1.1 200 OK\nno colon here\n\n'), []))).toBe('ERR_HTTP_MALFORMED_HEADER');
  });

  test('invalid chunk sizes', () => {
    const pre = 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n';
    expect(code(() => frame('response', crlf(`${pre}zz\n`), []))).toBe('ERR_HTTP_INVALID_CHUNK');
    expect(code(() => frame('response', crlf(`${pre}-1\n`), []))).toBe('ERR_HTTP_INVALID_CHUNK');
    expect(code(() => frame('response', crlf(`${pre}\n`), []))).toBe('ERR_HTTP_INVALID_CHUNK');
    expect(code(() => frame('response', crlf(`${pre}fffffffffffffffff\n`), []))).toBe('ERR_HTTP_INVALID_CHUNK');
    expect(code(() => frame('response', crlf(`${pre}3\nabcX`), []))).toBe('ERR_HTTP_INVALID_CHUNK');
    expect(code(() => frame('response', Buffer.from(`${pre}${'1'.repeat(5000)}`), []))).toBe('ERR_HTTP_INVALID_CHUNK');
  });

  test('invalid and conflicting Content-Length', () => {
    expect(code(() => frame('response', crlf('HTTP/1.1 200 OK\nContent-Length: abc\n\n'), []))).toBe('ERR_HTTP_INVALID_CONTENT_LENGTH');
    expect(code(() => frame('response', crlf('HTTP/1.1 200 OK\nContent-Length: 3\nContent-Length: 4\n\n'), []))).toBe('ERR_HTTP_INVALID_CONTENT_LENGTH');
    expect(frame('response', crlf('HTTP/1.1 200 OK\nContent-Length: 3, 3\n\nabc'), []).messages[0]!.payload.toString()).toBe('abc');
  });

  test('101 to a request that offered Upgrade ends the message at its head and the HTTP stream with it; otherwise it is refused', () => {
    const switching = crlf('HTTP/1.1 101 Switching Protocols\nUpgrade: x\n\n');
    const input = Buffer.concat([switching, Buffer.from('tunnel bytes, not HTTP')]);
    for (const cuts of [[], [switching.length - 1], [switching.length], [switching.length + 3]]) {
      const offered = new ResponseFramer({
        onMessageStart: () => events.push('start'),
        onBytes: (d: Uint8Array) => events.push(`bytes ${Buffer.from(d).toString('latin1')}`),
        onHead: (h: ResponseHead) => events.push(`head ${h.status}`),
        onPayload: (d: Uint8Array) => events.push(`payload ${Buffer.from(d).toString()}`),
        onMessageEnd: () => events.push('end'),
      });
      const events: string[] = [];
      offered.expectResponseTo('GET', true);
      let prev = 0;
      for (const c of [...cuts, input.length]) {
        offered.push(input.subarray(prev, c));
        prev = c;
      }
      // The message is the head's bytes alone; what follows (the new protocol) reaches no event.
      expect(events.filter((e) => e !== 'start' && !e.startsWith('bytes')).join('|')).toBe('head 101|end');
      expect(events.filter((e) => e.startsWith('bytes')).map((e) => e.slice(6)).join('')).toBe(switching.toString('latin1'));
      expect(offered.switched).toBe(true);
      expect(offered.idle).toBe(true);
      offered.push(crlf('HTTP/1.1 200 OK\nContent-Length: 0\n\n'));
      expect(events.filter((e) => e === 'start')).toHaveLength(1);
      expect(offered.finish()).toBe('between-messages');
    }
    expect(code(() => frame('response', input, [], ['GET']))).toBe('ERR_HTTP_UNREQUESTED_UPGRADE');
    expect(code(() => frame('response', Buffer.concat([crlf('HTTP/1.1 103 Early Hints\n\n'), input]), [10], ['GET']))).toBe('ERR_HTTP_UNREQUESTED_UPGRADE');
  });

  test('a failed framer refuses more input', () => {
    const events = { onMessageStart() {}, onBytes() {}, onHead() {}, onPayload() {}, onMessageEnd() {} };
    const f = new ResponseFramer(events);
    expect(() => f.push(crlf('BAD\n\n'))).toThrow(HttpParseError);
    expect(() => f.push(crlf('HTTP/1.1 200 OK\n\n'))).toThrow(HttpParseError);
  });
});
