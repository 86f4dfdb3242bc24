/**
 * CDXJ keys of non-GET captures: WARCs written by our own client against a
 * loopback server, indexed by us and by warcio's `cdx-index` (the reference,
 * run on the same file), and the writer's sidecar of the same file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import { WarcClient, type FetchInit } from '../../src/client';
import { undici } from '../../src/client/undici';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { indexFile } from '../../src/warc/tools/indexer';
import { WarcWriter } from '../../src/warc/write/writer';
import { captureIO } from '../helpers/cli-io';
import { startHttp, type Running } from '../helpers/client-servers';
import { backend, tempDir } from '../helpers/warc-backend';
import { exchange } from '../helpers/warc-records';
import { parseCdxjLine, warcioCdxIndex, type CdxjParts } from '../helpers/warc-tools';

async function ourIndex(path: string): Promise<CdxjParts[]> {
  const lines: CdxjParts[] = [];
  for await (const line of indexFile(path)) lines.push(parseCdxjLine(line));
  return lines;
}

const BOUNDARY = '----formdata-warcwire-0123456789';

/** A multipart body as a browser sends it: two text fields and a file part. */
const MULTIPART = [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="q"\r\n\r\nwarc files\r\n`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="page"\r\n\r\n2\r\n`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="upload"; filename="blob.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n`,
  `--${BOUNDARY}--\r\n`,
].join('');

/** What each capture sends: a fetch init against `/path`. */
const REQUESTS: Array<[path: string, init: FetchInit]> = [
  ['/get?b=2&A=1', {}],
  ['/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Name=J%C3%B6rg+Smith&age=42&tag=a&tag=b' }],
  ['/json?x=1', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ query: 'find <it>', vars: { id: 7, tags: ['a', 'b'], none: null, ok: false } }) }],
  ['/multipart', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: MULTIPART }],
  ['/binary', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0xff, 0, 0x80, 0x41, 0x3d, 0x26]) }],
  ['/empty', { method: 'POST' }],
  ['/text', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not json at all' }],
  ['/put', { method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'v=3' }],
  ['/delete', { method: 'DELETE' }],
  ['/get?b=2&A=1', {}],
];

describe('CDXJ keys of POST / PUT captures', () => {
  let dir: string;
  let server: Running;
  let warc: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warcwire-cdxj-post-'));
    server = await startHttp((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${req.url} ${Buffer.concat(parts).length}`);
      });
    });
    const client = await WarcClient.create({ writer: { directory: dir, index: true } });
    try {
      for (const [path, init] of REQUESTS) {
        const res = await client.fetch(`${server.url}${path}`, init);
        await res.arrayBuffer();
        await res.written;
      }
      // A streamed body goes chunked: the key is made from the stored bytes, chunk lines included, as warcio does.
      const res = await undici.request(`${server.url}/chunked`, {
        dispatcher: client.dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Readable.from([Buffer.from('part one;'), Buffer.from('part two')]),
      });
      await res.body.arrayBuffer();
    } finally {
      await client.close();
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    expect(files).toHaveLength(1);
    warc = join(dir, files[0]);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('our index equals warcio cdx-index, line for line', async () => {
    const theirs = warcioCdxIndex(warc).map(parseCdxjLine);
    const ours = await ourIndex(warc);
    expect(ours).toHaveLength(REQUESTS.length + 1);
    expect(ours).toEqual(theirs);
  });

  test('each body kind is keyed by its method and body; GET stays a plain URL key', async () => {
    const ours = await ourIndex(warc);
    const byPath = new Map(ours.map((l) => [new URL(l.json.url).pathname, l]));
    const host = `1,0,0,127:${server.port})`;
    const get = byPath.get('/get')!;
    expect(get.key).toBe(`${host}/get?a=1&b=2`);
    expect(get.json.method).toBeUndefined();
    expect(get.json.requestBody).toBeUndefined();
    for (const [path, method] of [['/form', 'POST'], ['/json', 'POST'], ['/multipart', 'POST'], ['/binary', 'POST'], ['/empty', 'POST'], ['/text', 'POST'], ['/put', 'PUT'], ['/delete', 'DELETE'], ['/chunked', 'POST']]) {
      const line = byPath.get(path)!;
      expect(line.json.method).toBe(method);
      expect(line.key).toContain(`__wb_method=${method.toLowerCase()}`);
    }
    expect(byPath.get('/form')!.json.requestBody).toBe('Name=J%C3%B6rg+Smith&age=42&tag=a&tag=b');
    expect(byPath.get('/json')!.json.requestBody).toBe('query=find+%3Cit%3E&id=7&tags=a&tags.2_=b&none=null&ok=false');
    // The file part is left out of a multipart body's query.
    expect(byPath.get('/multipart')!.json.requestBody).toBe('q=warc+files&page=2');
    expect(byPath.get('/binary')!.json.requestBody).toBe(`__wb_post_data=${Buffer.from([0xff, 0, 0x80, 0x41, 0x3d, 0x26]).toString('base64')}`);
    expect(byPath.get('/empty')!.json.requestBody).toBe('__wb_post_data=');
    // The chunked body is keyed with its chunk framing, as stored.
    const chunked = Buffer.from(byPath.get('/chunked')!.json.requestBody.replace(/^__wb_post_data=/, ''), 'base64').toString('latin1');
    expect(chunked).toMatch(/^[0-9a-f]+\r\npart one;.*\r\n0\r\n\r\n$/s);
    expect(byPath.get('/put')!.key).toBe(`${host}/put?__wb_method=put&v=3`);
    // Two GETs of one URL share a key; the form body's parameters sort lower-cased with the method.
    expect(ours.filter((l) => l.key === get.key)).toHaveLength(2);
    expect(byPath.get('/form')!.key).toBe(`${host}/form?__wb_method=post&age=42&name=j%C3%B6rg+smith&tag=a&tag=b`);
  });

  test('`warcwire index` prints those lines', async () => {
    const t = captureIO();
    expect(await main(['index', warc], t.io)).toBe(0);
    expect(t.out().split('\n').filter((l) => l !== '').map(parseCdxjLine)).toEqual(await ourIndex(warc));
    expect(t.out()).toContain('"method": "PUT"');
  });

  test("the writer's sidecar holds the same lines as the index of the file", async () => {
    const sidecar = readFileSync(warc + '.cdxj', 'utf8').split('\n').filter((l) => l !== '');
    const indexed: string[] = [];
    for await (const line of indexFile(warc)) indexed.push(line);
    expect(sidecar).toEqual(indexed.sort());
    expect(sidecar.some((l) => l.includes('__wb_method=post'))).toBe(true);
  });
});

describe('which request goes with which response (as warcio pairs them)', () => {
  /** A POST request record for `url` with a form body. */
  function post(url: string, body: string): WarcRecord {
    const u = new URL(url);
    const head = `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;
    return { type: 'request', id: newRecordId(), date: new Date('2024-05-06T07:08:09Z'), targetUri: url, contentType: 'application/http; msgtype=request', fields: [], block: Buffer.from(head + body, 'latin1') };
  }
  const response = (url: string): WarcRecord => exchange(url, Buffer.from(`page ${url}`))[0];
  const note = (url: string): WarcRecord => ({ type: 'metadata', id: newRecordId(), date: new Date('2024-05-06T07:08:09Z'), targetUri: url, contentType: 'text/plain', fields: [], block: Buffer.from('a note') });

  test(`request before or after its response; a record between, or another URL, keeps them apart (backend ${backend.name})`, async () => {
    const { dir, cleanup } = tempDir('cdxj-pairs');
    try {
      const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'pairs', index: true });
      const batches: WarcRecord[][] = [
        [post('http://example.com/before', 'k=before'), response('http://example.com/before')],
        [response('http://example.com/after'), post('http://example.com/after', 'k=after')],
        [response('http://example.com/between'), note('http://example.com/between'), post('http://example.com/between', 'k=between')],
        [response('http://example.com/other'), post('http://example.com/elsewhere', 'k=elsewhere')],
        [response('http://example.com/twice'), response('http://example.com/twice'), post('http://example.com/twice', 'k=twice')],
      ];
      for (const batch of batches) await writer.write(batch);
      await writer.close();
      const path = join(dir, writer.filenames[0]);
      const ours = await ourIndex(path);
      expect(ours).toEqual(warcioCdxIndex(path).map(parseCdxjLine));
      const bodies = ours.filter((l) => l.json.mime !== 'text/plain').map((l) => [new URL(l.json.url).pathname, l.json.requestBody]);
      expect(bodies).toEqual([
        ['/before', 'k=before'],
        ['/after', 'k=after'],
        ['/between', undefined],
        ['/other', undefined],
        ['/twice', undefined],
        ['/twice', 'k=twice'],
      ]);
      // The sidecar pairs within each batch written: the same lines.
      const sidecar = readFileSync(path + '.cdxj', 'utf8').split('\n').filter((l) => l !== '');
      const indexed: string[] = [];
      for await (const line of indexFile(path)) indexed.push(line);
      expect(sidecar).toEqual(indexed.sort());
    } finally {
      cleanup();
    }
  });
});
