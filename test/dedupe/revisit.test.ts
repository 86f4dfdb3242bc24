import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { DedupeError } from '../../src/dedupe/errors';
import {
  buildNotModifiedRevisit,
  buildRevisitRecord,
  IDENTICAL_PAYLOAD_PROFILE,
  isNotModifiedAnswer,
  SERVER_NOT_MODIFIED_PROFILE,
} from '../../src/dedupe/revisit';
import { loadBackend } from '../../src/backend/index';
import checkCommand from '../../src/cli/commands/check';
import { checkFile } from '../../src/warc/tools/check';
import { recordFields } from '../../src/warc/header';
import { newRecordId, type WarcRecord } from '../../src/warc/record';
import { WarcWriter } from '../../src/warc/write/writer';
import { candidateFor, payload, sha1Base32 } from '../helpers/dedupe-candidates';
import { readWithWarcio } from '../helpers/dedupe-warcio';

const head = (status = '200 OK', extra = ''): Buffer =>
  Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: text/html\r\nContent-Length: 4096\r\n${extra}\r\n`, 'latin1');

describe('buildRevisitRecord', () => {
  it('writes the identical-payload-digest profile with every reference field, in the writer order', () => {
    const date = new Date('2026-03-04T05:06:07.089Z');
    const record = buildRevisitRecord({
      targetUri: 'http://example.com/b',
      date,
      responseHead: head(),
      payloadDigest: 'sha1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
      hit: { source: 'local', recordId: '<urn:uuid:orig>', targetUri: 'http://example.com/a', date: new Date('2026-03-04T05:00:00.001Z') },
      concurrentTo: '<urn:uuid:req>',
      ipAddress: '127.0.0.1',
      extraFields: [['X-Crawl', 'job-1']],
    });
    expect(record.type).toBe('revisit');
    expect(record.id).toMatch(/^<urn:uuid:[0-9a-f-]{36}>$/);
    expect(record.block).toEqual(head());
    expect(recordFields(record)).toEqual([
      ['WARC-Type', 'revisit'],
      ['WARC-Record-ID', record.id],
      ['WARC-Date', '2026-03-04T05:06:07.089Z'],
      ['WARC-Target-URI', 'http://example.com/b'],
      ['WARC-Concurrent-To', '<urn:uuid:req>'],
      ['WARC-Refers-To', '<urn:uuid:orig>'],
      ['WARC-Refers-To-Target-URI', 'http://example.com/a'],
      ['WARC-Refers-To-Date', '2026-03-04T05:00:00.001Z'],
      ['WARC-Profile', IDENTICAL_PAYLOAD_PROFILE],
      ['WARC-IP-Address', '127.0.0.1'],
      ['WARC-Truncated', 'length'],
      ['WARC-Payload-Digest', 'sha1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'],
      ['X-Crawl', 'job-1'],
      ['Content-Type', 'application/http;msgtype=response'],
      ['Content-Length', String(head().length)],
    ]);
  });

  it('omits WARC-Refers-To when the original id is unknown (CDX) and converts CDX timestamps', () => {
    const record = buildRevisitRecord({
      targetUri: 'http://e/',
      date: new Date(),
      responseHead: head(),
      payloadDigest: 'sha1:AAAA',
      hit: { source: 'cdx', targetUri: 'http://e/orig', date: '20240303121314' },
    });
    const fields = recordFields(record);
    expect(fields.find(([n]) => n === 'WARC-Refers-To')).toBeUndefined();
    expect(fields).toContainEqual(['WARC-Refers-To-Date', '2024-03-03T12:13:14Z']);
    expect(fields).toContainEqual(['WARC-Refers-To-Target-URI', 'http://e/orig']);
  });

  it('refuses a block that is not exactly an HTTP response head', () => {
    const base = { targetUri: 'http://e/', date: new Date(), payloadDigest: 'sha1:AAAA', hit: { source: 'local' as const, targetUri: 'http://e/', date: new Date() } };
    for (const bad of [Buffer.concat([head(), Buffer.from('body')]), Buffer.from('HTTP/1.1 200 OK\r\n'), Buffer.from('GET / HTTP/1.1\r\n\r\n')]) {
      expect(() => buildRevisitRecord({ ...base, responseHead: bad })).toThrow(DedupeError);
    }
  });
});

describe('server-not-modified revisits', () => {
  it('builds the 304 profile without a payload digest', () => {
    const record = buildNotModifiedRevisit({
      targetUri: 'http://e/page',
      date: new Date('2026-01-01T00:00:00.000Z'),
      responseHead: Buffer.from('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'),
      refersTo: { targetUri: 'http://e/page', date: '2025-12-01T00:00:00Z' },
      concurrentTo: '<urn:uuid:req>',
    });
    const fields = recordFields(record);
    expect(fields).toContainEqual(['WARC-Profile', SERVER_NOT_MODIFIED_PROFILE]);
    expect(fields).toContainEqual(['WARC-Refers-To-Date', '2025-12-01T00:00:00Z']);
    expect(fields.some(([n]) => n === 'WARC-Payload-Digest' || n === 'WARC-Refers-To' || n === 'WARC-Truncated')).toBe(false);
    const bare = recordFields(buildNotModifiedRevisit({ targetUri: 'http://e/', date: new Date(), responseHead: Buffer.from('HTTP/1.1 304 Not Modified\r\n\r\n') }));
    expect(bare.some(([n]) => n.startsWith('WARC-Refers-To'))).toBe(false);
  });

  it('applies only to 304 answers of conditional requests', () => {
    expect(isNotModifiedAnswer(304, { 'If-None-Match': '"x"' })).toBe(true);
    expect(isNotModifiedAnswer(304, [['if-modified-since', 'Tue, 01 Jan 2026 00:00:00 GMT']])).toBe(true);
    expect(isNotModifiedAnswer(304, { accept: '*/*' })).toBe(false);
    expect(isNotModifiedAnswer(200, { 'If-None-Match': '"x"' })).toBe(false);
  });
});

describe('revisits written to a WARC file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warcwire-dedupe-revisit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('duplicates become revisits that warcio reads and `warcwire check` passes', async () => {
    const backend = await loadBackend();
    const index = createDedupeIndex({ local: true });
    const writer = new WarcWriter({ directory: dir, prefix: 'DEDUPE', backend, hostname: 'test' });
    const body = payload(4096, 'same body');
    const digest = `sha1:${sha1Base32(body)}`;
    const ids: { response?: string; revisits: string[] } = { revisits: [] };
    try {
      for (const [i, url] of ['http://example.com/a', 'http://example.com/b', 'http://example.com/c'].entries()) {
        const date = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
        const requestId = newRecordId();
        const candidate = { ...candidateFor(body, url, 'sha1', date) };
        const hit = await index.check(candidate);
        const request: WarcRecord = {
          type: 'request',
          id: requestId,
          date,
          targetUri: url,
          contentType: 'application/http; msgtype=request',
          fields: [['WARC-Concurrent-To', candidate.recordId]],
          block: Buffer.from(`GET ${new URL(url).pathname} HTTP/1.1\r\nHost: example.com\r\n\r\n`),
        };
        let response: WarcRecord;
        if (hit === null) {
          ids.response = candidate.recordId;
          response = {
            type: 'response',
            id: candidate.recordId,
            date,
            targetUri: url,
            contentType: 'application/http;msgtype=response',
            fields: [['WARC-Concurrent-To', requestId], ['WARC-Payload-Digest', digest]],
            block: Buffer.concat([head(), body]),
          };
        } else {
          response = buildRevisitRecord({ targetUri: url, date, responseHead: head(), payloadDigest: digest, hit, concurrentTo: requestId });
          ids.revisits.push(response.id);
          request.fields = [['WARC-Concurrent-To', response.id]];
        }
        await writer.write([response, request]);
      }
    } finally {
      await writer.close();
      await index.close();
    }
    expect(ids.revisits).toHaveLength(2);
    const files = readdirSync(dir).filter((f) => f.startsWith('DEDUPE') && f.endsWith('.warc.gz'));
    expect(files).toHaveLength(1);
    const file = join(dir, files[0]!);

    const records = await readWithWarcio(file);
    expect(records.map((r) => r.type)).toEqual(['warcinfo', 'response', 'request', 'revisit', 'request', 'revisit', 'request']);
    const response = records[1]!;
    expect(response.contentLength).toBe(4096);
    for (const [n, revisit] of [records[3]!, records[5]!].entries()) {
      expect(revisit.headers).toMatchObject({
        'WARC-Record-ID': ids.revisits[n],
        'WARC-Target-URI': n === 0 ? 'http://example.com/b' : 'http://example.com/c',
        'WARC-Refers-To': ids.response,
        'WARC-Refers-To-Target-URI': 'http://example.com/a',
        'WARC-Refers-To-Date': '2026-01-01T00:00:00.000Z',
        'WARC-Profile': IDENTICAL_PAYLOAD_PROFILE,
        'WARC-Truncated': 'length',
        'WARC-Payload-Digest': digest,
        'Content-Type': 'application/http;msgtype=response',
        'Content-Length': String(head().length),
      });
      expect(revisit.headers['WARC-Block-Digest']).toMatch(/^sha1:[A-Z2-7]{32}$/);
      expect(revisit.httpStatus).toBe(200);
      expect(revisit.httpHeaders).toMatchObject({ 'Content-Type': 'text/html' });
      expect(revisit.contentLength).toBe(0);
    }

    const report = await checkFile(file);
    expect(report.errors).toEqual([]);
    expect(report.records.filter((r) => r.type === 'revisit').map((r) => r.digests.block)).toEqual(['ok', 'ok']);

    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await checkCommand.run(['-v', file], { stdout, stderr: new PassThrough() });
    const text = Buffer.concat(chunks).toString('utf8');
    expect(code).toBe(0);
    expect(text).toContain('7 records, 0 problems');
  });
});
