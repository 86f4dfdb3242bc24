/**
 * An origin that answers with 1xx interim heads (103 Early Hints) and never a
 * final one. undici restarts its response-head timer on every interim head, so
 * only the capture's head limit ends the wait: the interim heads of a response
 * count toward its final head's 64 KiB. The caller gets ERR_HTTP_HEAD_TOO_LARGE
 * once they pass it, and nothing is written (no response head arrived).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { HttpParseError } from '../../src/http/errors';
import { rawServersPerTest } from '../helpers/client-servers';
import { floodEarlyHints } from '../helpers/interim-flood';

let dir: string;
const startRaw = rawServersPerTest();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-interim-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a flood of 103 heads with no final head: fetch rejects ERR_HTTP_HEAD_TOO_LARGE, not the (restarted) head timeout; no record', async () => {
  const server = await startRaw((socket, _head, _body, write) => floodEarlyHints(socket, write));
  // The head timeout would fire only once the flood stops: short, so the old behaviour fails fast.
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' }, timeouts: { responseHeaders: 1000 } });
  try {
    const err = await client.fetch(`${server.url}/hints`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpParseError);
    expect(err).toMatchObject({ code: 'ERR_HTTP_HEAD_TOO_LARGE', message: expect.stringContaining('1xx interim heads') });
  } finally {
    await client.close();
  }
  const records = readdirSync(dir).filter((f) => f.endsWith('.warc'));
  expect(records).toEqual([]);
});
