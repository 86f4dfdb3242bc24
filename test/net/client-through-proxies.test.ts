import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import { testCertificate } from '../helpers/tls-cert';
import { useProxyFleet } from '../helpers/net-proxy-fleet';
import { warcioReadHttp, type WarcioHttpRecord } from '../helpers/warc-tools';

// The whole path: WarcClient → Dialer → proxy → origin, then the WARC read back
// with warcio. Checks what the proxy must not leave in the archive.
const creds = { user: 'crawler', password: 's3cr3t:p@ss' };
const tinyCreds = { user: 'crawler', password: 'tiny-s3cr3t' };

const fleet = useProxyFleet({ credentials: creds, tinyproxyCredentials: tinyCreds });

const schemes: Array<[string, () => string]> = [
  ['socks5', () => fleet.microsocksAuth.url('socks5')],
  ['socks5h', () => fleet.microsocksAuth.url('socks5h')],
  ['socks4', () => fleet.dante.url('socks4')],
  ['socks4a', () => fleet.sshSocks.url('socks4a')],
  ['http', () => fleet.tinyproxy.url('http')],
  ['https', fleet.squidTlsUrl],
];

async function capture(proxy: string | undefined, urls: string[]): Promise<WarcioHttpRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-net-client-'));
  try {
    const client = await WarcClient.create({
      writer: { directory: dir },
      tls: { ca: testCertificate().cert },
      dialer: { ...(proxy ? { proxies: [proxy] } : {}), proxyTls: { ca: testCertificate().cert } },
    });
    try {
      for (const url of urls) {
        const res = await client.fetch(url);
        expect(res.status).toBe(200);
        await res.text();
        await res.written;
      }
    } finally {
      await client.close();
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    expect(files).toHaveLength(1);
    return warcioReadHttp(join(dir, files[0]!)).filter((e) => e.type !== 'warcinfo');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(schemes)('WarcClient through a %s proxy', (_scheme, proxyUrl) => {
  it('records http and https exchanges: origin-form requests, no WARC-IP-Address, no Proxy-Authorization', async () => {
    const urls = [`http://localhost:${fleet.httpOrigin.port}/p?q=1`, `https://localhost:${fleet.httpsOrigin.port}/s`];
    const records = await capture(proxyUrl(), urls);
    const exchanges = records.filter((r) => r.type === 'response' || r.type === 'request');
    expect(exchanges.map((r) => [r.type, r.targetUri])).toEqual([
      ['response', urls[0]],
      ['request', urls[0]],
      ['response', urls[1]],
      ['request', urls[1]],
    ]);
    expect(exchanges[0]!.text).toBe('hello GET /p?q=1');
    expect(exchanges[1]!.statusline).toBe('GET /p?q=1 HTTP/1.1');
    expect(exchanges[3]!.statusline).toBe('GET /s HTTP/1.1');
    for (const record of exchanges) {
      expect(record.ipAddress).toBeNull();
      for (const header of record.headers) expect(header.toLowerCase()).not.toMatch(/^proxy-authorization/);
      expect(JSON.stringify(record)).not.toContain('s3cr3t');
    }
  });
});

it('without a proxy the same exchange carries WARC-IP-Address', async () => {
  const records = await capture(undefined, [`http://127.0.0.1:${fleet.httpOrigin.port}/d`]);
  expect(records.find((r) => r.type === 'response')!.ipAddress).toBe('127.0.0.1');
});
