/**
 * The body-to-query rules of non-GET CDXJ keys, against warcio's own
 * `postToGetUrl` and `getSurt` (run in a child node: warcio is ESM) on the
 * same requests, edge cases included.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { surt } from '../../src/warc/cdxj';
import { MAX_REQUEST_QUERY, requestQuery, urlWithRequestQuery } from '../../src/warc/request-query';

interface Case {
  name: string;
  url: string;
  method: string;
  contentType?: string;
  body: Buffer;
}

interface Keyed {
  url: string;
  requestBody: string;
  key: string;
}

const deep = (n: number): string => '{"a":'.repeat(n) + '"leaf"' + '}'.repeat(n);
const deepArray = (n: number): string => '['.repeat(n) + '"leaf"' + ']'.repeat(n);

const multipart = (boundary: string, parts: string[]): Buffer =>
  Buffer.from(parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`);

const CASES: Case[] = [
  { name: 'form', url: 'http://example.com/a', method: 'POST', contentType: 'application/x-www-form-urlencoded', body: Buffer.from('b=2&A=1&c=x+y') },
  { name: 'form on a URL with a query', url: 'http://example.com/a?Z=9', method: 'POST', contentType: 'application/x-www-form-urlencoded; charset=UTF-8', body: Buffer.from('q=%3Ctag%3E&u=%C3%A9') },
  { name: 'form with an escape decodeURI refuses', url: 'http://example.com/a', method: 'POST', contentType: 'application/x-www-form-urlencoded', body: Buffer.from('a=%E0%A4%A&b=1') },
  { name: 'form longer than the query limit', url: 'http://example.com/a', method: 'POST', contentType: 'application/x-www-form-urlencoded', body: Buffer.from('k=' + 'v'.repeat(MAX_REQUEST_QUERY * 2)) },
  { name: 'form that is not UTF-8', url: 'http://example.com/a', method: 'POST', contentType: 'application/x-www-form-urlencoded', body: Buffer.from([0x61, 0x3d, 0xff, 0xfe]) },
  { name: 'JSON object', url: 'http://example.com/j', method: 'POST', contentType: 'application/json', body: Buffer.from('{"a":"b","c":{"a":2},"d":[1,"x",{"a":true}],"e":null,"f":"","g":0}') },
  { name: 'JSON array at the top', url: 'http://example.com/j', method: 'POST', contentType: 'application/json', body: Buffer.from('[{"a":"b"},{"d":"e"},"loose",false,null]') },
  { name: 'JSON scalar at the top', url: 'http://example.com/j', method: 'POST', contentType: 'application/json', body: Buffer.from('42') },
  { name: 'JSON that is not JSON', url: 'http://example.com/j', method: 'POST', contentType: 'application/json', body: Buffer.from('{"a": ') },
  { name: 'JSON nested past the stack', url: 'http://example.com/j', method: 'POST', contentType: 'application/json', body: Buffer.from(`{"first":1,"deep":${deep(20000)},"after":2}`) },
  { name: 'JSON arrays nested past the stack', url: 'http://example.com/j', method: 'POST', contentType: 'application/json', body: Buffer.from(deepArray(20000)) },
  { name: 'text/plain JSON', url: 'http://example.com/t', method: 'POST', contentType: 'text/plain;charset=UTF-8', body: Buffer.from('{"event":"click","n":3}') },
  { name: 'text/plain not JSON', url: 'http://example.com/t', method: 'POST', contentType: 'text/plain', body: Buffer.from('hello there') },
  { name: 'text/plain nested past the stack', url: 'http://example.com/t', method: 'POST', contentType: 'text/plain', body: Buffer.from(`{"x":${deep(20000)},"y":"z"}`) },
  { name: 'text/plain arrays nested past the stack', url: 'http://example.com/t', method: 'POST', contentType: 'text/plain', body: Buffer.from(deepArray(20000)) },
  {
    name: 'multipart',
    url: 'http://example.com/m',
    method: 'POST',
    contentType: 'multipart/form-data; boundary=----WebKitFormBoundaryXcDvJJ9bNZr1ZUTB',
    body: multipart('----WebKitFormBoundaryXcDvJJ9bNZr1ZUTB', [
      'Content-Disposition: form-data; name="ts"\r\n\r\n1761714108199',
      'Content-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\x9c\x00',
      'Content-Disposition: form-data; name="two lines"\r\n\r\nfirst\r\nsecond',
      'Content-Disposition: form-data; name="ts"\r\n\r\nagain',
    ]),
  },
  { name: 'multipart boundary in other case', url: 'http://example.com/m', method: 'POST', contentType: 'multipart/form-data; boundary=AbC', body: multipart('aBc', ['Content-Disposition: form-data; name="x"\r\n\r\ny']) },
  { name: 'binary', url: 'http://example.com/b', method: 'POST', contentType: 'application/octet-stream', body: Buffer.from([0, 0xff, 0x10, 0x80, 0x3f]) },
  { name: 'media type in capitals', url: 'http://example.com/b', method: 'POST', contentType: 'Application/JSON', body: Buffer.from('{"a":1}') },
  { name: 'no Content-Type, no body', url: 'http://example.com/e', method: 'POST', body: Buffer.alloc(0) },
  { name: 'PUT', url: 'http://example.com/p', method: 'PUT', contentType: 'application/x-www-form-urlencoded', body: Buffer.from('v=3') },
  { name: 'DELETE', url: 'http://example.com/d', method: 'DELETE', body: Buffer.alloc(0) },
];

function theirs(cases: Case[]): Keyed[] {
  const script = `
    import { readFileSync } from 'node:fs';
    import { postToGetUrl, getSurt } from 'warcio/utils';
    const out = JSON.parse(readFileSync(0, 'utf8')).map((c) => {
      const headers = new Map(c.contentType === undefined ? [] : [['Content-Type', c.contentType]]);
      const request = { url: c.url, method: c.method, headers, postData: new Uint8Array(Buffer.from(c.body, 'base64')) };
      postToGetUrl(request, 4096);
      return { url: request.url, requestBody: request.requestBody, key: getSurt(request.url) };
    });
    process.stdout.write(JSON.stringify(out));`;
  const input = JSON.stringify(cases.map((c) => ({ ...c, body: c.body.toString('base64') })));
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { input, cwd: join(__dirname, '..', '..'), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString()) as Keyed[];
}

function ours(c: Case): Keyed {
  const requestBody = requestQuery(c.contentType, c.body);
  const url = urlWithRequestQuery(c.url, c.method, requestBody);
  return { url, requestBody, key: surt(url) };
}

describe('non-GET request queries', () => {
  const reference = theirs(CASES);
  test.each(CASES.map((c, i) => [c.name, i] as const))('%s: same query, URL and key as warcio', (_name, i) => {
    expect(ours(CASES[i])).toEqual(reference[i]);
  });

  test('queries are cut to 4096 characters', () => {
    expect(requestQuery('application/x-www-form-urlencoded', Buffer.from('k=' + 'v'.repeat(10_000)))).toHaveLength(MAX_REQUEST_QUERY);
  });

  // A split at /-*boundary-*/ (warcio's) backtracks quadratically over a run of dashes: minutes for this body.
  test('a multipart body of 1 MiB of dashes is keyed in linear time', () => {
    const body = Buffer.from('-'.repeat(1024 * 1024) + 'AbC\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--abc--');
    const started = Date.now();
    expect(requestQuery('multipart/form-data; boundary=abc', body)).toBe('x=y');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  // Where we differ from warcio, on purpose: a boundary is matched as text, not as a regular expression.
  test('a multipart boundary with regular-expression characters is matched literally', () => {
    const boundary = 'a+b(c)';
    const body = multipart(boundary, ['Content-Disposition: form-data; name="x"\r\n\r\ny']);
    expect(requestQuery(`multipart/form-data; boundary=${boundary}`, body)).toBe('x=y');
    expect(requestQuery('multipart/form-data', body)).toBe('');
  });
});
