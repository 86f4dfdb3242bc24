/**
 * `101 Switching Protocols` to a request that offered no Upgrade (RFC 9110
 * §15.2.2 forbids it): what follows is no HTTP anyone can frame, and undici
 * gives up after its first read. The caller gets a typed HttpParseError naming
 * the problem, and nothing is written: no response record holding an arbitrary
 * prefix of what the server sent.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client/warc-client';
import { HttpParseError } from '../../src/http/errors';
import { startRaw } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-upgrade-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('101 to a plain GET, then interim and huge heads: fetch and written reject ERR_HTTP_UNREQUESTED_UPGRADE, no record', async () => {
  const server = await startRaw((socket, _head, _body, write) => {
    write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n');
    write('HTTP/1.1 103 Early Hints\r\nLink: </b.js>\r\n\r\n');
    write(`HTTP/1.1 304 Not Modified\r\nX-Big: ${'b'.repeat(100_000)}\r\nContent-Length: 12\r\n\r\n`);
    socket.end();
  });
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'none' } });
  try {
    const err = await client.fetch(`${server.url}/no-upgrade`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpParseError);
    expect(err).toMatchObject({ code: 'ERR_HTTP_UNREQUESTED_UPGRADE', message: expect.stringContaining('offered no Upgrade') });
    await client.close();
  } finally {
    await server.close();
  }
  const records = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.warc'))) records.push(...(await readAll(join(dir, file))).records);
  expect(records.map((r) => r.type).filter((t) => t !== 'warcinfo')).toEqual([]);
});
