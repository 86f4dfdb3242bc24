import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { startHttp } from '../helpers/client-servers';
import { warcioReadHttp } from '../helpers/warc-tools';

test('the warcio npm package reads our output: pairs, HTTP heads, payload digests', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-client-'));
  const server = await startHttp((req, res) => {
    if (req.url === '/chunked') {
      res.write('first part, ');
      setTimeout(() => res.end('second part'), 10);
    } else res.end(`plain ${req.url}`);
  });
  try {
    const client = await WarcClient.create({ writer: { directory: dir } });
    for (const path of ['/a', '/chunked', '/b']) {
      const res = await client.fetch(`${server.url}${path}`, path === '/b' ? { method: 'POST', body: 'x=1' } : {});
      await res.text();
      await res.written;
    }
    await client.close();
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    const recs = warcioReadHttp(join(dir, file!)).filter((r) => r.type !== 'warcinfo');
    expect(recs.map((r) => [r.type, r.status ?? r.method, r.targetUri])).toEqual([
      ['response', 200, `${server.url}/a`],
      ['request', 'GET', `${server.url}/a`],
      ['response', 200, `${server.url}/chunked`],
      ['request', 'GET', `${server.url}/chunked`],
      ['response', 200, `${server.url}/b`],
      ['request', 'POST', `${server.url}/b`],
    ]);
    for (let i = 0; i < recs.length; i += 2) {
      const [resp, req] = [recs[i]!, recs[i + 1]!];
      expect(resp.concurrentTo).toBe(req.id);
      expect(req.concurrentTo).toBe(resp.id);
      expect(resp.payloadDigest).toBe(resp.contentSha1);
    }
    expect(recs[2]!.text).toBe('first part, second part');
    expect(recs[5]!.text).toBe('x=1');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
