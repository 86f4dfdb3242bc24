/**
 * Responses that start with interim (1xx) responses: the block holds them as
 * sent, and every reader goes through them to the final response (its status,
 * headers and payload; the payload digest covers the final payload only, as
 * the writer computes it).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { WarcReader } from '../../src/warc/read/reader';
import { newRecordId } from '../../src/warc/record';
import { WarcWriter } from '../../src/warc/write/writer';
import { runCli } from '../helpers/cli-child';
import { startRaw } from '../helpers/client-servers';
import { tempDir } from '../helpers/warc-backend';
import { warcioRead, warcioReadHttp } from '../helpers/warc-tools';

const { dir, cleanup } = tempDir('interim');
afterAll(cleanup);

const EARLY_HINTS = 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n';
const BODY = 'the final body, after early hints\n';
const FINAL = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;

/** The single WARC file in `where`. */
function warcIn(where: string): string {
  const files = readdirSync(where).filter((f) => f.endsWith('.warc.gz'));
  expect(files).toHaveLength(1);
  return join(where, files[0]!);
}

/** Offset of the response record, from `ls`. */
function responseOffset(ls: string): string {
  const line = ls.split('\n').find((l) => l.split('\t')[1] === 'response');
  expect(line).toBeDefined();
  return line!.split('\t')[0]!;
}

test('103 Early Hints then 200 from a real server: check passes, index/ls say 200, extract --payload gives the final body, warcio reads it', async () => {
  const out = join(dir, 'captured');
  const server = await startRaw((_socket, _head, _body, write) => {
    write(EARLY_HINTS);
    setTimeout(() => write(FINAL), 20);
  });
  try {
    const client = await WarcClient.create({ writer: { directory: out } });
    const res = await client.fetch(`${server.url}/hinted`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(BODY);
    await res.written;
    await client.close();
  } finally {
    await server.close();
  }
  const file = warcIn(out);

  const check = await runCli(['check', '-v', file]);
  expect(check.err).toBe('');
  expect(check.out.toString()).toMatch(/response: ok \(block ok, payload ok\)/);
  expect(check.code).toBe(0);

  const ls = await runCli(['ls', file]);
  expect(ls.code).toBe(0);
  expect(ls.out.toString()).toMatch(new RegExp(`^\\d+\\tresponse\\t200\\t${server.url}/hinted\\t-$`, 'm'));

  const index = await runCli(['index', file]);
  expect(index.code).toBe(0);
  const entry = JSON.parse(index.out.toString().trim().split('\n').find((l) => l.includes('/hinted'))!.replace(/^\S+ \S+ /, '')) as { status: string; mime: string };
  expect([entry.status, entry.mime]).toEqual(['200', 'text/plain']);

  const payload = await runCli(['extract', '--payload', file, responseOffset(ls.out.toString())]);
  expect(payload.code).toBe(0);
  expect(payload.out.toString('latin1')).toBe(BODY);

  // The block keeps both responses exactly as sent.
  const [record] = await recordsOfType(file, 'response');
  expect(record!.block.toString('latin1')).toBe(EARLY_HINTS + FINAL);

  // warcio, an independent reader, reads the block as written (its sha1 is the block digest). Its
  // HTTP view takes the first head as the head, so the final response is its content, verbatim (README).
  const plain = warcioRead(file).find((r) => r.type === 'response')!;
  expect(plain.sha1).toBe(plain.blockDigest);
  const parsed = warcioReadHttp(file).find((r) => r.type === 'response')!;
  expect([parsed.status, parsed.text]).toEqual([103, FINAL]);
});

async function recordsOfType(file: string, type: string): Promise<Array<{ block: Buffer; payloadDigest: string | undefined }>> {
  const out: Array<{ block: Buffer; payloadDigest: string | undefined }> = [];
  for await (const r of new WarcReader(file)) {
    if (r.type === type) out.push({ payloadDigest: r.get('WARC-Payload-Digest'), block: await r.readBlock() });
  }
  return out;
}

test('a hand-built record with 100 Continue and 102 Processing before a chunked 201: every reader goes to the final response', async () => {
  const body = Buffer.from('created: the final, chunked payload');
  const block = Buffer.from(
    'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 102 Processing\r\nX-Progress: 50%\r\n\r\n' +
      'HTTP/1.1 201 Created\r\nContent-Type: text/x-final\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `8\r\n${body.subarray(0, 8).toString()}\r\n${(body.length - 8).toString(16)}\r\n${body.subarray(8).toString()}\r\n0\r\n\r\n`,
    'latin1',
  );
  const url = 'http://example.com/upload';
  mkdirSync(join(dir, 'hand'));
  const writer = new WarcWriter({ directory: join(dir, 'hand'), compression: 'none', hostname: 'x' });
  await writer.write([
    {
    type: 'response',
    id: newRecordId(),
    date: new Date('2024-05-06T07:08:09Z'),
    targetUri: url,
    contentType: 'application/http; msgtype=response',
    fields: [['WARC-Payload-Digest', `sha256:${createHash('sha256').update(body).digest('hex')}`]],
    block,
    },
  ]);
  await writer.close();
  const file = join(dir, 'hand', readdirSync(join(dir, 'hand')).find((f) => f.endsWith('.warc'))!);

  const check = await runCli(['check', '-v', file]);
  expect(check.out.toString()).toMatch(/response: ok \(block ok, payload ok\)/);
  expect(check.code).toBe(0);
  const ls = (await runCli(['ls', file])).out.toString();
  expect(ls).toMatch(new RegExp(`^\\d+\\tresponse\\t201\\t${url}\\t-$`, 'm'));
  expect((await runCli(['index', file])).out.toString()).toMatch(/"mime": "text\/x-final", "status": "201"/);
  expect((await runCli(['extract', '--payload', file, responseOffset(ls)])).out.toString('latin1')).toBe(body.toString('latin1'));

  // The library: the head is the final one, the interim heads are kept in order, payload() is the final payload.
  for await (const record of new WarcReader(file)) {
    if (record.type !== 'response') continue;
    const head = await record.httpHead();
    expect([head?.status, head?.interim?.map((h) => h.status)]).toEqual([201, [100, 102]]);
    const parts: Buffer[] = [];
    for await (const chunk of record.payload()) parts.push(chunk);
    expect(Buffer.concat(parts)).toEqual(body);
  }
});
