/**
 * The reader removes chunked coding with the capture's decoder (src/http/chunked.ts),
 * so it refuses what the capture refuses: a chunk size beyond 13 hex digits (more
 * than 2^52 bytes) is not chunked coding, and the body passes as stored. (The
 * reader's own dechunker took such a size and passed everything after it as data.)
 */
import { Dechunker } from '../../src/warc/read/dechunk';

function dechunk(input: string): { out: string; valid: boolean; started: boolean } {
  const parts: Buffer[] = [];
  const d = new Dechunker((data) => parts.push(Buffer.from(data)));
  // In two writes: the state carries across them.
  for (const piece of [input.slice(0, 3), input.slice(3)]) d.write(Buffer.from(piece, 'latin1'));
  return { out: Buffer.concat(parts).toString('latin1'), valid: d.valid, started: d.started };
}

test('chunked coding with extensions, bare LF and a trailer decodes', () => {
  expect(dechunk('5;ext=1\r\nhello\r\n6 \n world\n0\r\nX-T: 1\r\n\r\n')).toEqual({ out: 'hello world', valid: true, started: true });
});

test('a chunk size of 14 hex digits is refused before any byte counts as data', () => {
  expect(dechunk('10000000000000\r\nabc\r\n0\r\n\r\n')).toEqual({ out: '', valid: false, started: false });
});

test('data not followed by CRLF ends the decoding, what came before it kept', () => {
  expect(dechunk('3\r\nabcX\r\n0\r\n\r\n')).toEqual({ out: 'abc', valid: false, started: true });
});
