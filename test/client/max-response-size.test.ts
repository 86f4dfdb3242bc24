/**
 * `maxResponseBytes` (`--max-response-size`) counts the response body, not the
 * head: a body of exactly the cap is recorded complete, one byte more is
 * truncated (`WARC-Truncated: length`). So under the default 1 GiB, a 1 GiB
 * body is complete; tested here at the boundary with a small cap.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startHttp } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';

const CAP = 4096;
const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-cap-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function responses(): Promise<ReadBack[]> {
  const all: ReadBack[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz'))) all.push(...(await readAll(join(dir, f))).records);
  return all.filter((r) => r.type === 'response');
}

test.each([
  ['exactly the cap', CAP, false],
  ['one byte over the cap', CAP + 1, true],
])('a body of %s (Content-Length)', async (_name, length, truncated) => {
  const body = Buffer.alloc(length, 0x61);
  const server = await startHttp((_req, res) => res.end(body));
  const client = await WarcClient.create({ writer: { directory: dir }, maxResponseBytes: CAP });
  try {
    const res = await client.fetch(`${server.url}/body`);
    expect((await res.bytes()).length).toBe(length);
    expect((await res.written).truncated).toBe(truncated ? 'length' : undefined);
  } finally {
    await client.close();
    await server.close();
  }
  const [response] = await responses();
  const bodyStart = response!.block.indexOf('\r\n\r\n') + 4;
  expect(response!.block.length - bodyStart).toBe(Math.min(length, CAP));
  expect(field(response!, 'WARC-Truncated')).toBe(truncated ? 'length' : undefined);
  if (!truncated) expect(response!.block.subarray(bodyStart).equals(body)).toBe(true);
});

test('capture --help says the cap counts the body only', async () => {
  const { default: capture } = await import('../../src/cli/commands/capture');
  expect(capture.usage).toMatch(/--max-response-size SIZE record at most SIZE of one response body \(the\s+head is not counted\)/);
});
