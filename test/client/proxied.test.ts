import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { testCertificate as testCert } from '../helpers/tls-cert';
import { startHttp, startHttps } from '../helpers/client-servers';
import { readAll, type ReadBack } from '../helpers/warc-read';

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

/** A minimal HTTP CONNECT proxy (tunnels only), counting tunnels. */
async function connectProxy(): Promise<{ url: string; tunnels: () => number; close(): Promise<void> }> {
  let tunnels = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.once('data', (d) => {
      const m = /^CONNECT ([^:\s]+):(\d+) HTTP\/1\.1\r\n/.exec(d.toString('latin1'));
      if (!m) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      const upstream = net.connect(Number(m[2]), m[1]!, () => {
        tunnels++;
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels: () => tunnels,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

test('through an HTTP CONNECT proxy: same records, no WARC-IP-Address; too many redirects is a typed error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-client-'));
  const proxy = await connectProxy();
  const origin = await startHttps((_q, r) => r.end('via proxy'));
  const loop = await startHttp((_q, r) => {
    r.statusCode = 302;
    r.setHeader('location', '/again');
    r.end();
  });
  try {
    const client = await WarcClient.create({
      writer: { directory: dir },
      tls: { ca: testCert().cert },
      dialer: { proxies: [proxy.url] },
      maxRedirects: 3,
    });
    const res = await client.fetch(`${origin.url}/p`);
    expect(await res.text()).toBe('via proxy');
    await res.written;
    await expect(client.fetch(`${loop.url}/start`, { followRedirects: true })).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REDIRECTS' });
    await client.close();
    expect(proxy.tunnels()).toBeGreaterThanOrEqual(2);
    const recs: ReadBack[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.warc.gz'))) recs.push(...(await readAll(join(dir, f))).records);
    const responses = recs.filter((r) => r.type === 'response');
    const viaTls = responses.find((r) => field(r, 'WARC-Target-URI') === `${origin.url}/p`)!;
    expect(field(viaTls, 'WARC-IP-Address')).toBeUndefined();
    expect(field(viaTls, 'WARC-Cipher-Suite')).toBeDefined();
    expect(viaTls.block.toString().endsWith('via proxy')).toBe(true);
    // The redirect loop: the first request plus 3 followed hops, each recorded.
    expect(responses.filter((r) => field(r, 'WARC-Target-URI')!.startsWith(loop.url))).toHaveLength(4);
  } finally {
    await proxy.close();
    await origin.close();
    await loop.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
