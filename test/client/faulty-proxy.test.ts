/**
 * The capturing client through the faulty proxy (src/proxy/faulty), used as an
 * `http://` proxy in the dialer settings, for http and https targets. Every
 * fault is at rate 1, so each case is deterministic: the caller's typed error
 * (or success), what lands in the WARC, and how `written` settles.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient, type WarcClientSettings } from '../../src/client';
import { WarcwireError } from '../../src/errors';
import { createFaultyProxy, type FaultyProxy } from '../../src/proxy/faulty/faulty-proxy';
import type { FaultSpec } from '../../src/proxy/faulty/options';
import { checkFile } from '../../src/warc/tools/check';
import { openFds } from '../helpers/client-servers';
import { testCertificate } from '../helpers/tls-cert';
import { readAll, type ReadBack } from '../helpers/warc-read';

const field = (r: ReadBack, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

const BODY_SIZE = 96 * 1024;

/**
 * An origin (node:net or node:tls server) answering every request with the
 * same fixed response and keeping, per connection, every byte it wrote: the
 * response block of a complete record must equal them exactly.
 */
interface Origin {
  url: string;
  sent: Buffer[];
  close(): Promise<void>;
}

async function startOrigin(secure: boolean, response: Buffer): Promise<Origin> {
  const sockets = new Set<net.Socket>();
  const sent: Buffer[] = [];
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        pending = pending.subarray(end + 4); // GET requests only: no body
        // Head, then the body in 4 KiB writes: over TLS each write is its own
        // record, so a cut mid-body still lets the client decrypt the head and
        // the body's first records (one 16 KiB record cut short decrypts to nothing).
        sent.push(response);
        const head = response.length - BODY_SIZE;
        socket.write(response.subarray(0, head));
        for (let at = head; at < response.length; at += 4096) socket.write(response.subarray(at, Math.min(at + 4096, response.length)));
      }
    });
  };
  const { key, cert } = testCertificate();
  const server = secure ? tls.createServer({ key, cert }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const body = randomBytes(BODY_SIZE);
const response = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BODY_SIZE}\r\n\r\n`, 'latin1'),
  body,
]);

let origins: Record<'http' | 'https', Origin>;
let dir: string;
let spoolDir: string;
const proxies: FaultyProxy[] = [];
let fdsBefore: number;

beforeAll(async () => {
  origins = { http: await startOrigin(false, response), https: await startOrigin(true, response) };
  // Warm up lazily loaded modules (undici, TLS, the backend) before counting descriptors.
  dir = mkdtempSync(join(tmpdir(), 'warcwire-client-'));
  spoolDir = mkdtempSync(join(tmpdir(), 'warcwire-spool-'));
  const proxy = await createFaultyProxy({ faults: [], seed: 1 });
  const warm = await WarcClient.create(settings(proxy));
  for (const o of Object.values(origins)) await (await warm.fetch(`${o.url}/warm`)).arrayBuffer();
  await warm.close();
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(spoolDir, { recursive: true, force: true });
  for (const o of Object.values(origins)) o.sent.length = 0;
  await new Promise((r) => setTimeout(r, 50));
  fdsBefore = openFds();
});

afterAll(async () => {
  await Promise.all(Object.values(origins).map((o) => o.close()));
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-client-'));
  spoolDir = mkdtempSync(join(tmpdir(), 'warcwire-spool-'));
  for (const o of Object.values(origins)) o.sent.length = 0;
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  // No spool temp file survives a case, whatever happened to the exchange.
  expect(readdirSync(spoolDir)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(spoolDir, { recursive: true, force: true });
});

function settings(proxy: FaultyProxy, extra: Partial<WarcClientSettings> = {}): WarcClientSettings {
  return {
    writer: { directory: dir },
    spoolTempDir: spoolDir,
    fullOnDisk: true,
    tls: { ca: testCertificate().cert },
    dialer: { proxies: [proxy.url], proxyRetries: 0 },
    timeouts: { dial: 2000, responseHeaders: 2000, idleRead: 2000, request: 5000 },
    ...extra,
  };
}

async function proxyWith(faults: FaultSpec[]): Promise<FaultyProxy> {
  const proxy = await createFaultyProxy({ faults, seed: 1 });
  proxies.push(proxy);
  return proxy;
}

type Settled = { ok: { truncated?: string } } | { err: { code?: string } };

/** Fetches and reads the body; returns what the caller saw, the bytes it got and what `written` settled with. */
async function attempt(client: WarcClient, url: string): Promise<{ callerError?: { code?: string }; got?: Buffer; settled?: Settled }> {
  let callerError: unknown;
  let written: Promise<unknown> | undefined;
  let got: Buffer | undefined;
  try {
    const res = await client.fetch(url);
    written = res.written;
    got = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    callerError = err;
  }
  const settled = written
    ? await written.then(
        (w): Settled => ({ ok: w as { truncated?: string } }),
        (e: unknown): Settled => ({ err: e as { code?: string } }),
      )
    : undefined;
  return { ...(callerError !== undefined ? { callerError: callerError as { code?: string } } : {}), ...(got ? { got } : {}), ...(settled ? { settled } : {}) };
}

async function warcFiles(): Promise<string[]> {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.warc.gz'))
    .map((n) => join(dir, n));
}

async function responses(): Promise<ReadBack[]> {
  const all: ReadBack[] = [];
  for (const f of await warcFiles()) all.push(...(await readAll(f)).records);
  return all.filter((r) => r.type === 'response');
}

/** Every record of every file verifies: no reader errors, no digest mismatch. */
async function expectAllVerify(): Promise<void> {
  for (const f of await warcFiles()) {
    const report = await checkFile(f);
    expect(report.errors).toEqual([]);
    for (const r of report.records) {
      expect(r.digests.block).not.toBe('mismatch');
      expect(r.digests.payload).not.toBe('mismatch');
    }
  }
}

const schemes = ['http', 'https'] as const;

describe.each(schemes)('%s target through the faulty proxy', (scheme) => {
  const url = (): string => `${origins[scheme].url}/page`;

  test('no faults: complete record, byte-faithful, digests verify', async () => {
    const proxy = await proxyWith([]);
    const client = await WarcClient.create(settings(proxy));
    const r = await attempt(client, url());
    expect(r.callerError).toBeUndefined();
    expect(r.got!.equals(body)).toBe(true);
    expect(r.settled).toEqual({ ok: expect.not.objectContaining({ truncated: expect.anything() }) });
    await client.close();
    const [resp, ...more] = await responses();
    expect(more).toHaveLength(0);
    expect(resp!.block.equals(Buffer.concat(origins[scheme].sent))).toBe(true);
    expect(field(resp!, 'WARC-Truncated')).toBeUndefined();
    await expectAllVerify();
  });

  test.each([
    ['slice', { kind: 'slice', sliceBytes: 4096, sliceDelayMs: 2 }],
    ['bandwidth', { kind: 'bandwidth', bytesPerSecond: 512 * 1024 }],
    ['latency before+inside', { kind: 'latency', phase: 'both', latencyMs: 30, jitterMs: 10 }],
  ] as Array<[string, FaultSpec]>)('%s: still a complete, byte-faithful record whose digests verify', async (_name, fault) => {
    const proxy = await proxyWith([fault]);
    const client = await WarcClient.create(settings(proxy));
    const started = Date.now();
    const r = await attempt(client, url());
    const elapsed = Date.now() - started;
    expect(r.callerError).toBeUndefined();
    expect(r.got!.equals(body)).toBe(true);
    expect(r.settled).toEqual({ ok: expect.not.objectContaining({ truncated: expect.anything() }) });
    await client.close();
    expect(proxy.counters.faults[fault.kind]).toBeGreaterThanOrEqual(1);
    if (fault.kind === 'bandwidth') expect(elapsed).toBeGreaterThanOrEqual(100); // ≥ 96 KiB at 512 KiB/s, minus a first burst
    if (fault.kind === 'latency') expect(elapsed).toBeGreaterThanOrEqual(19); // the CONNECT answer alone waits 30 ± 10 ms
    const [resp, ...more] = await responses();
    expect(more).toHaveLength(0);
    expect(field(resp!, 'WARC-Truncated')).toBeUndefined();
    expect(resp!.block.equals(Buffer.concat(origins[scheme].sent))).toBe(true);
    expect(field(resp!, 'WARC-Payload-Digest')).toBeDefined();
    await expectAllVerify();
  });

  // Byte triggers count both directions of the tunnel (request, TLS records,
  // response head): 40 KiB lands inside the 96 KiB body either way, past at
  // least one whole 16 KiB TLS record so the https client has body to record.
  test.each([
    ['reset', { kind: 'reset', phase: 'inside', afterBytes: 40 * 1024 }, 'ERR_CONNECTION_CLOSED', 'disconnect'],
    ['close', { kind: 'close', phase: 'inside', afterBytes: 40 * 1024 }, 'ERR_CONNECTION_CLOSED', 'disconnect'],
    ['limit-data', { kind: 'limit-data', limitBytes: 40 * 1024 }, 'ERR_CONNECTION_CLOSED', 'disconnect'],
    ['timeout', { kind: 'timeout', phase: 'inside', afterBytes: 40 * 1024 }, 'ERR_IDLE_READ_TIMEOUT', 'time'],
  ] as Array<[string, FaultSpec, string, string]>)(
    '%s inside the body: typed error for the caller, record written truncated',
    async (_name, fault, callerCode, reason) => {
      const proxy = await proxyWith([fault]);
      const client = await WarcClient.create(settings(proxy, { timeouts: { dial: 2000, responseHeaders: 2000, idleRead: 300, request: 5000 } }));
      const r = await attempt(client, url());
      expect(r.callerError).toBeInstanceOf(WarcwireError);
      expect(r.callerError).toMatchObject({ code: callerCode });
      expect(r.settled).toEqual({ ok: expect.objectContaining({ truncated: reason }) });
      await client.close();
      expect(proxy.counters.faults[fault.kind]).toBe(1);
      const [resp, ...more] = await responses();
      expect(more).toHaveLength(0);
      expect(field(resp!, 'WARC-Truncated')).toBe(reason);
      expect(field(resp!, 'WARC-Payload-Digest')).toBeUndefined();
      // A strict prefix of what the origin sent, past the head.
      const sent = Buffer.concat(origins[scheme].sent);
      expect(resp!.block.length).toBeGreaterThan(response.length - BODY_SIZE);
      expect(resp!.block.length).toBeLessThan(sent.length);
      expect(resp!.block.equals(sent.subarray(0, resp!.block.length))).toBe(true);
      await expectAllVerify();
    },
  );

  test('bad-gateway before: CONNECT refused is a typed proxy error, nothing written', async () => {
    const proxy = await proxyWith([{ kind: 'bad-gateway' }]);
    const client = await WarcClient.create(settings(proxy));
    const r = await attempt(client, url());
    expect(r.callerError).toBeInstanceOf(WarcwireError);
    expect(r.callerError).toMatchObject({ code: 'ERR_PROXY_CONNECT_STATUS', statusCode: 502 });
    expect(r.settled).toBeUndefined();
    await client.close();
    expect(origins[scheme].sent).toHaveLength(0);
    expect(await responses()).toHaveLength(0);
    await expectAllVerify();
  });
});

// Runs last (jest keeps file order): every case above closed its client and
// proxy, so the descriptors counted after the warm-up must all be back.
test('no descriptor leaked across all the cases above', async () => {
  // Let closed sockets release their descriptors.
  await new Promise((r) => setTimeout(r, 100));
  expect(openFds()).toBeLessThanOrEqual(fdsBefore);
});
