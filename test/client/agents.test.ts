/**
 * client.httpAgent / agents(options) with node:http in this process: which
 * request is on which socket, the pool key, the typed errors, close() and the
 * caller's abort. The real-client matrix (got, axios, node-fetch) is
 * agent-clients.test.ts.
 */
import * as http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient, type WrittenExchange } from '../../src/client';
import type { CapturingHttpAgent } from '../../src/client';
import { METRICS } from '../../src/obs/metric-names';
import { PrometheusRegistry } from '../../src/obs/registry';
import { startFaulty } from '../helpers/client-faulty';
import { largeBody, startLoggingOrigin, type LoggingOrigin } from '../helpers/agent-origin';
import { stopAllDaemons } from '../helpers/net-daemon';
import { startDnsmasq } from '../helpers/net-proxies';
import { warcioRead, type WarcioRecord } from '../helpers/warc-tools';

jest.setTimeout(30_000);

let origin: LoggingOrigin;
let dir: string;
const remotes: string[] = [];

beforeAll(async () => {
  origin = await startLoggingOrigin('http', (req, res) => {
    remotes.push(req.socket.remoteAddress!);
    if (req.url === '/big') return largeBody(64 * 1024 * 1024)(req, res);
    if (req.url === '/5000') return res.end(Buffer.alloc(5000, 'x'));
    const delay = Number(new URL(req.url!, 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(() => res.end(`body of ${req.url} ua=${req.headers['user-agent'] ?? '-'}`), delay);
  });
});

afterAll(async () => {
  await stopAllDaemons();
  await origin.close();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-agent-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One request through `agent`: the body as the caller got it, and its `written`. */
function get(agent: CapturingHttpAgent, path: string, options: http.RequestOptions = {}): { done: Promise<string>; written: Promise<WrittenExchange> } {
  const req = http.get(`${origin.url}${path}`, { agent, ...options });
  const done = new Promise<string>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
  });
  return { done, written: agent.written(req) };
}

/** A URL nothing listens on (a dial to it fails ERR_DIAL_FAILED). */
async function deadUrl(): Promise<string> {
  const closed = await startLoggingOrigin('http', () => undefined);
  await closed.close();
  return `${closed.url}/x`;
}

function records(): WarcioRecord[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.warc.gz'))
    .flatMap((f) => warcioRead(join(dir, f)));
}

test('20 concurrent requests on 2 kept-alive sockets: each written settles with its own exchange (the caller is set before the head goes out)', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const { http: agent } = client.agents({ maxSockets: 2 });
  const before = origin.connections();
  // Uneven delays, so the two sockets finish out of order and requests queue on whichever frees first.
  const runs = Array.from({ length: 20 }, (_, i) => get(agent, `/c${i}?delay=${(i * 7) % 5}`));
  const bodies = await Promise.all(runs.map((r) => r.done));
  const written = await Promise.all(runs.map((r) => r.written));
  await client.close();
  expect(origin.connections() - before).toBe(2);
  const recs = records();
  written.forEach((w, i) => {
    expect(w.url).toBe(`${origin.url}/c${i}?delay=${(i * 7) % 5}`);
    expect(bodies[i]).toContain(`body of /c${i}?`);
    const response = recs.find((r) => r.id === w.response.id)!;
    const request = recs.find((r) => r.id === w.request.id)!;
    expect([response.type, response.targetUri, request.type, request.concurrentTo]).toEqual(['response', w.url, 'request', response.id]);
  });
});

test('the pool key holds the connection controls: another source address or TLS verify never reuses a socket', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const agent = client.httpAgent;
  const base = { host: '127.0.0.1', port: origin.port };
  const names = new Set([agent.getName(base), agent.getName({ ...base, localAddress: '127.0.0.2' }), agent.getName({ ...base, rejectUnauthorized: false } as http.ClientRequestArgs)]);
  expect(names.size).toBe(3);
  remotes.length = 0;
  const before = origin.connections();
  await get(agent, '/k1').done;
  await get(agent, '/k2', { localAddress: '127.0.0.2' }).done;
  await get(agent, '/k3').done;
  await client.close();
  // /k3 reused /k1's socket; /k2 had its own, from the source address it asked for.
  expect(origin.connections() - before).toBe(2);
  expect(remotes).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.1']);
});

test('bad agent options and request options are typed errors naming the field', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  for (const [options, field] of [
    [{ afterAbort: 'finish' }, 'afterAbort'],
    [{ maxSockets: 'x' }, 'maxSockets'],
    [{ maxSockets: 0 }, 'maxSockets'],
    [{ scheduling: 'random' }, 'scheduling'],
    [{ proxy: 5 }, 'proxy'],
    [{ tls: { verify: 'no' } }, 'tls.verify'],
    [{ onWritten: 'x' }, 'onWritten'],
  ] as const) {
    expect(() => client.agents(options as never)).toThrow(expect.objectContaining({ name: 'ClientError', code: 'ERR_INVALID_SETTING', message: expect.stringContaining(field) }));
  }
  const bad = get(client.httpAgent, '/bad', { localAddress: 'not-an-ip' });
  await expect(bad.done).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING', message: expect.stringContaining('localAddress') });
  await expect(bad.written).rejects.toMatchObject({ code: 'ERR_INVALID_SETTING' });
  await client.close();
});

test('a failed dial with maxSockets reached fails its request and gives the queued ones their own try (none hangs)', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const { http: agent } = client.agents({ maxSockets: 1 });
  const url = await deadUrl();
  const fails = [1, 2, 3].map(() => {
    const req = http.get(url, { agent });
    return [new Promise((_resolve, reject) => req.on('error', reject)), agent.written(req)];
  });
  for (const [done, written] of fails) {
    await expect(done).rejects.toMatchObject({ code: 'ERR_DIAL_FAILED' });
    await expect(written).rejects.toMatchObject({ code: 'ERR_DIAL_FAILED' });
  }
  // The pool holds nothing for the failed key: the agent still serves requests.
  expect(agent.sockets).toEqual({});
  expect(await get(agent, '/after').done).toContain('body of /after');
  await client.close();
});

test('failed dials with several sockets and a queue: each request fails once (several dials failing together gave one queued request an error each)', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const { http: agent } = client.agents({ maxSockets: 3 });
  const url = await deadUrl();
  const errors = Array.from({ length: 10 }, () => 0);
  await Promise.all(
    errors.map(
      (_, i) =>
        new Promise<void>((resolve) => {
          const req = http.get(url, { agent });
          req.on('error', () => {
            errors[i]!++;
            resolve();
          });
        }),
    ),
  );
  // Late duplicates would come after the first error.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(errors).toEqual(Array.from({ length: 10 }, () => 1));
  expect(agent.sockets).toEqual({});
  expect(await get(agent, '/after-failures').done).toContain('body of /after-failures');
  await client.close();
});

test('the default User-Agent is added to requests that carry none; close() waits for running requests, then refuses new ones', async () => {
  const client = await WarcClient.create({ writer: { directory: dir }, userAgent: 'agent-test/1' });
  const slow = get(client.httpAgent, '/slow?delay=300');
  const own = get(client.httpAgent, '/own', { headers: { 'user-agent': 'mine/2' } });
  await new Promise((r) => setTimeout(r, 50));
  const closed = client.close();
  expect(await slow.done).toBe('body of /slow?delay=300 ua=agent-test/1');
  expect(await own.done).toBe('body of /own ua=mine/2');
  await closed;
  expect((await slow.written).status).toBe(200);
  const late = get(client.httpAgent, '/late');
  await expect(late.done).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  await expect(late.written).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  expect(records().filter((r) => r.type === 'response').map((r) => new URL(r.targetUri!).pathname).sort()).toEqual(['/own', '/slow']);
});

test.each([
  ['req.destroy()', (req: http.ClientRequest) => req.destroy()],
  ['res.destroy()', (_req: http.ClientRequest, res: http.IncomingMessage) => res.destroy()],
])('a caller that drops the response mid-body with %s: recorded WARC-Truncated: length, the rest never downloaded', async (_name, drop) => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const req = http.get(`${origin.url}/big`, { agent: client.httpAgent });
  const written = client.httpAgent.written(req);
  req.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    req.on('response', (res) => {
      let got = 0;
      res.on('error', () => undefined);
      res.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 100_000 && !res.destroyed) {
          drop(req, res);
          resolve();
        }
      });
    });
  });
  expect((await written).truncated).toBe('length');
  await client.close();
  const sent = Buffer.concat(origin.requests.get('/big')!.at(-1)!.sent).length;
  expect(sent).toBeLessThan(16 * 1024 * 1024);
  expect(records().find((r) => r.type === 'response')!.truncated).toBe('length');
});

test('client.abort() mid-body is not the caller letting go: the record is truncated as a disconnect', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const req = http.get(`${origin.url}/big`, { agent: client.httpAgent });
  const written = client.httpAgent.written(req);
  const failed = new Promise<Error>((resolve) => {
    req.on('error', resolve);
    req.on('response', (res) => {
      res.on('error', resolve);
      res.on('aborted', () => resolve(new Error('aborted')));
      res.once('data', () => void client.abort());
      res.resume();
    });
  });
  await failed;
  expect((await written).truncated).toBe('disconnect');
  await client.close();
});

test("the agents resolve through the client's archiving DNS: a dns: resource record, the name in the target URI", async () => {
  const dns = await startDnsmasq({ records: { 'agent.test': ['127.0.0.1'] } });
  const client = await WarcClient.create({ writer: { directory: dir }, dialer: { dns: { servers: [dns.server], ipv6: false } } });
  const run = get(client.httpAgent, '/named', { hostname: 'agent.test', port: origin.port });
  expect(await run.done).toContain('body of /named');
  expect((await run.written).url).toBe(`http://agent.test:${origin.port}/named`);
  await client.close();
  expect(dns.queries('agent.test')).toHaveLength(1);
  const recs = records();
  expect(recs.filter((r) => r.type === 'resource').map((r) => r.targetUri)).toEqual(['dns:agent.test']);
  expect(recs.find((r) => r.type === 'response')!.ipAddress).toBe('127.0.0.1');
});

test('maxResponseBytes of an agent pair caps what is recorded (WARC-Truncated: length); the caller still gets the whole body', async () => {
  const client = await WarcClient.create({ writer: { directory: dir } });
  const capped = client.agents({ maxResponseBytes: 1000 }).http;
  const run = get(capped, '/5000');
  expect(await run.done).toHaveLength(5000);
  expect((await run.written).truncated).toBe('length');
  const whole = get(client.httpAgent, '/5000');
  expect(await whole.done).toHaveLength(5000);
  expect((await whole.written).truncated).toBeUndefined();
  await client.close();
  const responses = records().filter((r) => r.type === 'response');
  expect(responses.map((r) => [r.truncated, r.blockLength - 5000 < 0])).toEqual([
    ['length', true],
    [null, false],
  ]);
});

test('metrics: every agent request counts; failures by kind (malformed response, failed dial), not the caller dropping a response', async () => {
  const metrics = new PrometheusRegistry();
  const faulty = await startFaulty();
  const client = await WarcClient.create({ writer: { directory: dir }, metrics });
  try {
    expect(await get(client.httpAgent, '/m1').done).toContain('body of /m1');
    const bad = http.get(`${faulty.url}/bad-status`, { agent: client.httpAgent });
    await expect(new Promise((_resolve, reject) => bad.on('error', reject))).rejects.toMatchObject({ code: 'ERR_HTTP_MALFORMED_STATUS' });
    const dead = http.get(await deadUrl(), { agent: client.httpAgent });
    await expect(new Promise((_resolve, reject) => dead.on('error', reject))).rejects.toMatchObject({ code: 'ERR_DIAL_FAILED' });
    const dropped = http.get(`${origin.url}/big`, { agent: client.httpAgent });
    dropped.on('error', () => undefined);
    await new Promise<void>((resolve) => dropped.on('response', (res) => res.once('data', () => resolve(void dropped.destroy()))));
    expect((await client.httpAgent.written(dropped)).truncated).toBe('length');
    await client.close();
  } finally {
    await faulty.close();
  }
  expect(metrics.value(METRICS.requests.name)).toBe(4);
  expect(metrics.value(METRICS.errors.name, { kind: 'http' })).toBe(1);
  expect(metrics.value(METRICS.errors.name, { kind: 'connect' })).toBe(1);
  expect(metrics.total(METRICS.errors.name)).toBe(2);
});

test.each([
  ['/reset-mid-body', 'listens'],
  ['/reset-mid-body', 'destroys the request on error (as got, axios and node-fetch do)'],
  ['/early-close', 'destroys the request on error (as got, axios and node-fetch do)'],
])('a server that cuts the body (%s) is a disconnect, not the caller letting go, when the caller %s', async (path, caller) => {
  const faulty = await startFaulty();
  const client = await WarcClient.create({ writer: { directory: dir } });
  try {
    const req = http.get(`${faulty.url}${path}`, { agent: client.httpAgent });
    const written = client.httpAgent.written(req);
    const failed = new Promise<void>((resolve) => {
      const onError = (): void => {
        if (caller !== 'listens') req.destroy();
        resolve();
      };
      req.on('error', onError);
      req.on('response', (res) => {
        res.on('error', onError);
        res.resume();
      });
    });
    await failed;
    expect((await written).truncated).toBe('disconnect');
    await client.close();
  } finally {
    await faulty.close();
  }
  const response = records().find((r) => r.type === 'response')!;
  expect(response.truncated).toBe('disconnect');
  expect(response.blockLength).toBe('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'.length + 5000);
});

test.each([
  ['destroys the request', (req: http.ClientRequest): void => void req.destroy()],
  ['destroys the socket', (req: http.ClientRequest): void => void req.socket?.destroy()],
])("a caller that %s on node's request timeout mid-body: recorded WARC-Truncated: time", async (_name, onTimeout) => {
  const faulty = await startFaulty();
  const client = await WarcClient.create({ writer: { directory: dir } });
  try {
    const req = http.get(`${faulty.url}/stall-body`, { agent: client.httpAgent });
    const written = client.httpAgent.written(req);
    req.setTimeout(300, () => onTimeout(req));
    await new Promise<void>((resolve) => {
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.on('error', () => resolve());
        res.on('close', () => resolve());
        res.resume();
      });
    });
    expect((await written).truncated).toBe('time');
    await client.close();
  } finally {
    await faulty.close();
  }
  expect(records().find((r) => r.type === 'response')!.truncated).toBe('time');
});
