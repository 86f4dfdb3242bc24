/**
 * What a crawler engineer meets first: settings checked by create(), the
 * output directory made there, and every failure a one-line typed error.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { undici } from '../../src/client/undici';
import { WarcClient } from '../../src/client/warc-client';
import { WarcwireError } from '../../src/errors';
import { DEFAULT_USER_AGENT, type ClientStats } from '../../src/index';
import { startHttp, startHttps, type Running } from '../helpers/client-servers';
import { readAll } from '../helpers/warc-read';
import { backend, expectZstdMissingByDesign, zstdUnavailable } from '../helpers/warc-backend';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-setup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const { request } = undici;

function oneLineTyped(code: string): (err: unknown) => void {
  return (err) => {
    expect(err).toBeInstanceOf(WarcwireError);
    expect((err as WarcwireError).code).toBe(code);
    expect((err as Error).message).not.toMatch(/[\r\n]/);
  };
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('create() checks the setup before any request', () => {
  test('a missing output directory is created (recursively) and used', async () => {
    const out = join(dir, 'a', 'b');
    const server = await startHttp((_req, res) => res.end('hi'));
    const client = await WarcClient.create({ writer: { directory: out } });
    expect(readdirSync(out)).toEqual([]);
    try {
      const res = await client.fetch(`${server.url}/`);
      expect(await res.text()).toBe('hi');
      await res.written;
    } finally {
      await client.close();
      await server.close();
    }
    expect(readdirSync(out).filter((f) => f.endsWith('.warc.gz'))).toHaveLength(1);
  });

  test('an output "directory" that is a file fails in create() with ERR_OUTPUT_DIRECTORY', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    const err = await caught(WarcClient.create({ writer: { directory: file } }));
    oneLineTyped('ERR_OUTPUT_DIRECTORY')(err);
    expect((err as Error).message).toContain('writer.directory');
  });

  test.each([
    ['an unknown key (a typo)', { read: 5000 }, /timeouts has no setting "read" \(known: dial, tlsHandshake, responseHeaders, idleRead, request\)/],
    ['not an object', 5000, /timeouts must be an object/],
  ])('timeouts that are %s are ERR_INVALID_SETTING, not silently the defaults', async (_name, timeouts, message) => {
    const err = await caught(WarcClient.create({ writer: { directory: dir }, timeouts: timeouts as never }));
    oneLineTyped('ERR_INVALID_SETTING')(err);
    expect((err as Error).message).toMatch(message);
  });

  test.each([
    ['compression', { compression: 'lz4' }, /writer\.compression must be one of gzip, zstd, none, got "lz4"/],
    ['level', { level: 42 }, /writer\.level must be an integer 0-9/],
    ['prefix', { prefix: 'a/b' }, /writer\.prefix/],
    ['maxFileSize', { maxFileSize: -1 }, /writer\.maxFileSize/],
  ])('a bad writer.%s is ERR_INVALID_SETTING naming the field', async (_name, extra, message) => {
    const err = await caught(WarcClient.create({ writer: { directory: dir, ...(extra as object) } }));
    oneLineTyped('ERR_INVALID_SETTING')(err);
    expect((err as Error).message).toMatch(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('zstd: create() fails at once when the backend has none (js on Node 20), works otherwise', async () => {
    const create = WarcClient.create({ writer: { directory: dir, compression: 'zstd' } });
    if (backend.name === 'js' && !('zstdCompress' in require('node:zlib'))) {
      expectZstdMissingByDesign();
      await expect(create).rejects.toMatchObject(zstdUnavailable());
      expect(readdirSync(dir)).toEqual([]);
    } else {
      const client = await create;
      await client.close();
    }
  });
});

describe('failures are one-line warcwire errors with a code', () => {
  let client: WarcClient;
  beforeEach(async () => {
    client = await WarcClient.create({ writer: { directory: dir } });
  });
  afterEach(() => client.close());

  async function nonHttpPort(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.write('SSH-2.0-OpenSSH_9.6\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
    };
  }

  test('a port that does not speak HTTP: ERR_HTTP_MALFORMED_RESPONSE (fetch and client.dispatcher alike)', async () => {
    const ssh = await nonHttpPort();
    try {
      const err = await caught(client.fetch(`http://127.0.0.1:${ssh.port}/`));
      oneLineTyped('ERR_HTTP_MALFORMED_RESPONSE')(err);
      expect((err as Error).message).toMatch(/HTTP port/);
      // The same through client.dispatcher.
      oneLineTyped('ERR_HTTP_MALFORMED_RESPONSE')(await caught(request(`http://127.0.0.1:${ssh.port}/x`, { dispatcher: client.dispatcher })));
    } finally {
      await ssh.close();
    }
  });

  test('https:// to a plain-text port: ERR_TLS_HANDSHAKE on one line', async () => {
    const ssh = await nonHttpPort();
    try {
      oneLineTyped('ERR_TLS_HANDSHAKE')(await caught(client.fetch(`https://127.0.0.1:${ssh.port}/`)));
    } finally {
      await ssh.close();
    }
  });

  test('a self-signed certificate: ERR_TLS_HANDSHAKE hinting at tls.verify: false', async () => {
    const server = await startHttps((_req, res) => res.end('secret'));
    try {
      const err = await caught(client.fetch(`${server.url}/`));
      oneLineTyped('ERR_TLS_HANDSHAKE')(err);
      expect((err as Error).message).toMatch(/certificate.*tls\.verify: false/i);
    } finally {
      await server.close();
    }
  });

  test.each([
    ['ftp://127.0.0.1/file', /only http: and https: URLs.*ftp:/],
    ['not a url', /not a valid absolute URL/],
  ])('fetch(%j): ERR_UNSUPPORTED_URL', async (url, message) => {
    const err = await caught(client.fetch(url));
    oneLineTyped('ERR_UNSUPPORTED_URL')(err);
    expect((err as Error).message).toMatch(message);
  });
});

describe('User-Agent', () => {
  let server: Running;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    server = await startHttp((req, res) => {
      seen.push(req.headers['user-agent']);
      res.end('ok');
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    seen.length = 0;
  });

  async function uaRecorded(settings: { userAgent?: string | false }, headers?: Record<string, string>): Promise<string | undefined> {
    const client = await WarcClient.create({ writer: { directory: dir }, ...settings });
    try {
      const res = await client.fetch(`${server.url}/`, headers ? { headers } : {});
      await res.text();
      await res.written;
    } finally {
      await client.close();
    }
    const { records } = await readAll(join(dir, readdirSync(dir).find((f) => f.endsWith('.warc.gz'))!));
    const req = records.find((r) => r.type === 'request')!.block.toString('latin1');
    rmSync(join(dir, readdirSync(dir)[0]!));
    return /\r\nuser-agent: ([^\r]*)\r\n/i.exec(req)?.[1];
  }

  test('default names warcwire and its version; the request record shows exactly what was sent', async () => {
    const version = (require('../../package.json') as { version: string }).version;
    expect(DEFAULT_USER_AGENT).toBe(`warcwire/${version} (+https://github.com/warcwire/warcwire)`);
    expect(await uaRecorded({})).toBe(`warcwire/${version} (+https://github.com/warcwire/warcwire)`);
    expect(seen).toEqual([`warcwire/${version} (+https://github.com/warcwire/warcwire)`]);
  });

  test('settings.userAgent overrides it, a request header overrides both, false sends none', async () => {
    expect(await uaRecorded({ userAgent: 'MyBot/2.0' })).toBe('MyBot/2.0');
    expect(await uaRecorded({ userAgent: 'MyBot/2.0' }, { 'User-Agent': 'PerRequest/1' })).toBe('PerRequest/1');
    expect(await uaRecorded({ userAgent: false })).toBeUndefined();
    expect(seen).toEqual(['MyBot/2.0', 'PerRequest/1', undefined]);
  });

  test('undici.request through client.dispatcher gets the default too', async () => {
    const client = await WarcClient.create({ writer: { directory: dir }, userAgent: 'ViaDispatcher/1' });
    try {
      const res = await request(`${server.url}/d`, { dispatcher: client.dispatcher });
      await res.body.text();
    } finally {
      await client.close();
    }
    expect(seen).toEqual(['ViaDispatcher/1']);
  });
});

test('ClientStats is part of the public API (package entry point)', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  await client.close();
  const stats: ClientStats = client.stats; // a type error, caught by tsc, if the export goes missing
  expect(stats).toEqual({ written: 0, truncated: 0, discarded: 0, revisits: 0, failed: 0, bytes: 0, dnsRecords: 0 });
});
