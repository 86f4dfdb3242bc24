/**
 * The one head model: live heads parse strictly, stored heads tolerantly, and
 * both read the same bytes into the same fields.
 */
import { HttpParseError, parseHttpHead, parseRequestHead, parseResponseHead } from '../../src/http';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

test('a folded field continues the previous value, for the capture and the reader alike', () => {
  const head = bytes('HTTP/1.1 200 OK\r\nX-Folded: a\r\n\tb\r\nX-Next:  c \r\n\r\n');
  const expected = [['X-Folded', 'a b'], ['X-Next', 'c']];
  expect(parseResponseHead(head).headers).toEqual(expected);
  expect(parseHttpHead(head)?.headers).toEqual(expected);
});

test('a stored head is read as other tools wrote it; the same bytes live are an error', () => {
  const head = bytes('HTTP/1.0\t301  Moved \nLocation : /x\nno colon here\n\n<html>');
  expect(parseHttpHead(head)).toEqual({
    kind: 'response',
    version: 'HTTP/1.0',
    status: 301,
    reason: 'Moved',
    headers: [['Location', '/x']],
    bodyOffset: head.indexOf('<html>'),
  });
  expect(() => parseResponseHead(head.subarray(0, head.indexOf('<html>')))).toThrow(HttpParseError);
});

test('a stored request head keeps its public field names', () => {
  const head = bytes('POST /form?a=1 HTTP/1.1\r\nHost: h\r\n\r\nbody');
  expect(parseHttpHead(head)).toMatchObject({ kind: 'request', version: 'HTTP/1.1', method: 'POST', requestTarget: '/form?a=1', bodyOffset: head.length - 4 });
  expect(parseRequestHead(head.subarray(0, head.length - 4))).toMatchObject({ method: 'POST', target: '/form?a=1', version: '1.1', length: head.length - 4 });
});

test('interim responses are skipped to the final head; an incomplete or non-HTTP block has none', () => {
  const head = bytes('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\n\r\n');
  const parsed = parseHttpHead(head);
  expect([parsed?.status, parsed?.bodyOffset, parsed?.interim?.map((h) => [h.status, h.bodyOffset])]).toEqual([201, head.length, [[100, head.indexOf('HTTP/1.1 103')], [103, head.indexOf('HTTP/1.1 201')]]]);
  expect(parseHttpHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n'))).toBeUndefined();
  expect(parseHttpHead(bytes('example.com. 300 IN A 127.0.0.1\n\n'))).toBeUndefined();
});
