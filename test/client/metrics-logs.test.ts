import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarcClient } from '../../src/client';
import type { LogFields, Logger, LogLevel } from '../../src/obs/logger';
import { LOG_EVENTS } from '../../src/obs/log-events';
import { METRICS } from '../../src/obs/metric-names';
import { PrometheusRegistry } from '../../src/obs/registry';
import { startFaulty } from '../helpers/client-faulty';
import { startHttp } from '../helpers/client-servers';
import { freePort } from '../helpers/net-ports';
import { readAll } from '../helpers/warc-read';

interface Line {
  level: LogLevel;
  fields: LogFields;
  msg: string;
}

function recordingLogger(): Logger & { lines: Line[]; count(msg: string, level?: LogLevel): number } {
  const lines: Line[] = [];
  const at = (level: LogLevel) => (fields: LogFields, msg: string) => void lines.push({ level, fields, msg });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    count: (msg, level) => lines.filter((l) => l.msg === msg && (level === undefined || l.level === level)).length,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-obs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('bytes in/out equal the recorded HTTP messages; records counted by type; spool gauges back to 0', async () => {
  const server = await startHttp((req, res) => {
    req.resume();
    req.on('end', () => res.end('y'.repeat(req.url === '/big' ? 300_000 : 1000)));
  });
  const metrics = new PrometheusRegistry();
  try {
    const client = await WarcClient.create({ writer: { directory: dir }, metrics, spoolMemoryLimit: 64 * 1024 });
    for (const path of ['/a', '/b', '/big']) {
      const res = await client.fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      await res.written;
    }
    const post = await client.fetch(`${server.url}/post`, { method: 'POST', body: 'z'.repeat(5000) });
    await post.text();
    await post.written;
    await client.close();

    const [file] = readdirSync(dir).filter((f) => f.endsWith('.warc.gz'));
    const { records } = await readAll(join(dir, file!));
    const sum = (type: string): number => records.filter((r) => r.type === type).reduce((n, r) => n + r.block.length, 0);
    expect(metrics.value(METRICS.requests.name)).toBe(4);
    expect(metrics.value(METRICS.bytesSent.name)).toBe(sum('request'));
    expect(metrics.value(METRICS.bytesReceived.name)).toBe(sum('response'));
    expect(sum('response')).toBeGreaterThan(303_000);
    expect(metrics.value(METRICS.recordsWritten.name, { type: 'response' })).toBe(4);
    expect(metrics.value(METRICS.recordsWritten.name, { type: 'request' })).toBe(4);
    expect(metrics.value(METRICS.filesWritten.name)).toBe(1);
    expect(metrics.value(METRICS.errors.name, { kind: 'http' })).toBeUndefined();
    expect(metrics.value(METRICS.spoolBytesRam.name)).toBe(0);
    expect(metrics.value(METRICS.spoolBytesDisk.name)).toBe(0);
  } finally {
    await server.close();
  }
});

test('spool gauges show the bytes of a response being captured', async () => {
  let release: () => void = () => undefined;
  const server = await startHttp((_req, res) => {
    res.writeHead(200, { 'content-length': '20000' });
    res.write('q'.repeat(10_000));
    release = () => res.end('q'.repeat(10_000));
  });
  const metrics = new PrometheusRegistry();
  try {
    const client = await WarcClient.create({ writer: { directory: dir }, metrics, fullOnDisk: true });
    const res = await client.fetch(`${server.url}/slow`);
    // The sampler runs every second while an exchange is being captured.
    await new Promise((r) => setTimeout(r, 1300));
    const onDisk = metrics.value(METRICS.spoolBytesDisk.name)!;
    expect(metrics.value(METRICS.spoolBytesRam.name)).toBe(0);
    release();
    await res.text();
    const w = await res.written;
    await client.close();
    const { records } = await readAll(join(dir, w.response.filename));
    const request = records.find((r) => r.type === 'request')!;
    const response = records.find((r) => r.type === 'response')!;
    // Everything but the last 10000 body bytes had arrived: the request and the response so far.
    expect(onDisk).toBe(request.block.length + response.block.length - 10_000);
    expect(metrics.value(METRICS.spoolBytesDisk.name)).toBe(0);
  } finally {
    await server.close();
  }
});

test('failures are counted by kind and logged with the seeds\' events; successes log connections, records and files', async () => {
  const server = await startHttp((req, res) => {
    if (req.url === '/drop') res.setHeader('x-drop', 'yes');
    res.end('fine');
  });
  const faulty = await startFaulty();
  const deadPort = await freePort();
  const metrics = new PrometheusRegistry();
  const logger = recordingLogger();
  try {
    const client = await WarcClient.create({
      writer: { directory: dir },
      metrics,
      logger,
      discardHook: (r) => ({ discard: r.headers.some(([n]) => n.toLowerCase() === 'x-drop'), reason: 'dropped by test' }),
    });
    for (const path of ['/one', '/two']) {
      const res = await client.fetch(`${server.url}${path}`);
      expect(await res.text()).toBe('fine');
      await res.written;
    }
    const dropped = await client.fetch(`${server.url}/drop`);
    await dropped.text();
    await expect(dropped.written).rejects.toMatchObject({ code: 'ERR_DISCARDED' });
    await expect(client.fetch(`${faulty.url}/bad-status`)).rejects.toMatchObject({ code: 'ERR_HTTP_MALFORMED_STATUS' });
    await expect(client.fetch(`http://127.0.0.1:${deadPort}/`)).rejects.toMatchObject({ code: 'ERR_DIAL_FAILED' });
    // A caller's own abort is not an error of the client.
    const aborted = new AbortController();
    aborted.abort();
    await expect(client.fetch(`${server.url}/never`, { signal: aborted.signal })).rejects.toThrow();
    await client.close();

    expect(metrics.value(METRICS.errors.name, { kind: 'discard_hook' })).toBe(1);
    expect(metrics.value(METRICS.errors.name, { kind: 'http' })).toBe(1);
    expect(metrics.value(METRICS.errors.name, { kind: 'connect' })).toBe(1);
    expect(metrics.total(METRICS.errors.name)).toBe(3);
    expect(metrics.value(METRICS.recordsWritten.name, { type: 'response' })).toBe(2);
    expect(client.stats).toMatchObject({ written: 2, discarded: 1 });

    expect(logger.count(LOG_EVENTS.discardHookRejected.msg, 'error')).toBe(1);
    expect(logger.lines.find((l) => l.msg === LOG_EVENTS.discardHookRejected.msg)!.fields).toMatchObject({ reason: 'dropped by test', status: 200 });
    expect(logger.count(LOG_EVENTS.directFailed.msg, 'error')).toBe(1);
    expect(logger.lines.find((l) => l.msg === LOG_EVENTS.directFailed.msg)!.fields).toMatchObject({ host: '127.0.0.1', port: deadPort, code: 'ERR_DIAL_FAILED' });
    // One kept-alive connection to the good server, one to the faulty one.
    expect(logger.count(LOG_EVENTS.connectionEstablished.msg, 'debug')).toBe(2);
    expect(logger.count(LOG_EVENTS.tlsEstablished.msg)).toBe(0);
    expect(logger.count(LOG_EVENTS.recordWritten.msg, 'debug')).toBe(4);
    expect(logger.count(LOG_EVENTS.fileCreated.msg, 'info')).toBe(1);
    expect(logger.count(LOG_EVENTS.writerShutdown.msg, 'info')).toBe(1);
  } finally {
    await server.close();
    await faulty.close();
  }
});
