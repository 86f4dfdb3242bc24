/**
 * An origin answering a browser's request through the recording proxy with 103
 * Early Hints heads and never a final one (interim heads are not relayed: the
 * browser waits for the final head). The interim heads count toward the 64 KiB of
 * the response's head, so the browser gets a 502 naming the cause once they pass
 * it, and nothing is recorded, rather than waiting for as long as the origin sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingProxy, type RecordingProxy } from '../../src/record-proxy';
import { request, warcioRecords } from '../helpers/record-proxy';
import { FLOOD_BYTES, floodEarlyHints } from '../helpers/interim-flood';
import { startRawSite, type RawSite } from '../helpers/raw-site';

let root: string;
let proxy: RecordingProxy;
let site: RawSite;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-proxy-interim-'));
  // The head timeout is restarted by every interim head; short, so that only the head limit can end the wait in time.
  proxy = await createRecordingProxy({ listen: '127.0.0.1:0', ca: { dir: join(root, 'ca') }, client: { writer: { directory: join(root, 'warcs') }, timeouts: { responseHeaders: 1000 } } });
  site = await startRawSite((_entry, reply) => floodEarlyHints(reply.socket, reply.write));
});
afterEach(async () => {
  await proxy.close();
  await site.close();
  rmSync(root, { recursive: true, force: true });
});

test('a flood of 103 heads: the browser gets a 502 naming the head limit, nothing is recorded', async () => {
  const got = await request(proxy.url, { path: `http://127.0.0.1:${site.port}/hints` });
  expect([got.status, got.body.toString()]).toEqual([502, expect.stringContaining('1xx interim heads')]);
  // The proxy stopped reading: far less than the flood went out before the connection closed.
  expect(site.log[0]!.sentBytes).toBeLessThan(FLOOD_BYTES);
  await proxy.close();
  expect(warcioRecords(join(root, 'warcs')).filter((r) => r.type === 'response')).toEqual([]);
});
