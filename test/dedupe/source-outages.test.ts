/**
 * A dedupe source that fails for a while (Redis paused with SIGSTOP: it holds the TCP
 * connection and never answers; a CDX server answering 500) is reported once per outage,
 * with its end, not once per exchange; while it fails only one lookup at a time is sent
 * to it; every exchange is still written in full meanwhile, and dedupe resumes after.
 */
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WarcClient } from '../../src/client';
import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import type { DedupeConfig } from '../../src/dedupe/types';
import { PrometheusRegistry } from '../../src/obs/registry';
import { candidateFor, payload } from '../helpers/dedupe-candidates';
import { startRedis } from '../helpers/dedupe-redis';
import { recordingLogger, type LoggedLine as Line } from '../helpers/recording-logger';

jest.setTimeout(60000);

/** An origin whose every path has its own 4 KiB payload, and a CDX server that answers 500 while `failing`. */
async function startServers(): Promise<{ origin: string; cdx: string; setFailing(on: boolean): void; close(): void }> {
  let failing = false;
  const origin = http.createServer((req, res) => {
    const body = payload(4096, req.url ?? '');
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  const cdx = http.createServer((_req, res) => (failing ? res.writeHead(500).end('down') : res.writeHead(200, { 'content-type': 'text/plain' }).end('')));
  const url = async (server: http.Server): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return {
    origin: await url(origin),
    cdx: await url(cdx),
    setFailing: (on) => void (failing = on),
    close: () => {
      for (const s of [origin, cdx]) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}

describe('a failing dedupe source is reported once per outage', () => {
  let servers: Awaited<ReturnType<typeof startServers>>;
  let dir: string;
  beforeAll(async () => {
    servers = await startServers();
    dir = mkdtempSync(join(tmpdir(), 'warcwire-dedupe-outage-'));
  });
  afterAll(() => {
    servers?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fetches `count` new URLs, `concurrency` at a time; returns how many were written in full. */
  async function crawl(client: WarcClient, phase: string, count: number, concurrency = 20): Promise<number> {
    let next = 0;
    let full = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const res = await client.fetch(`${servers.origin}/${phase}/${next++}`);
        await res.bytes();
        if ((await res.written).revisit === undefined) full++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return full;
  }

  async function withClient(config: DedupeConfig, run: (client: WarcClient, lines: Line[]) => Promise<void>): Promise<PrometheusRegistry> {
    const { logger, lines } = recordingLogger();
    const metrics = new PrometheusRegistry();
    const dedupe = createDedupeIndex({ ...config, logger, metrics });
    const client = await WarcClient.create({ writer: { directory: dir, prefix: 'OUTAGE' }, dedupe });
    try {
      await run(client, lines);
    } finally {
      await client.close();
      await dedupe.close();
    }
    return metrics;
  }

  const outageLines = (lines: Line[]): string[] => lines.filter((l) => l.level === 'warn' || l.level === 'info').map((l) => `${l.level} ${String(l.fields.source)}: ${l.msg}`);

  it('a CDX server answering 500 twice, with a good spell between', async () => {
    const failedLookups: number[] = [];
    const metrics = await withClient({ cdx: { url: servers.cdx } }, async (client, lines) => {
      expect(await crawl(client, 'ok1', 20)).toBe(20);
      servers.setFailing(true);
      expect(await crawl(client, 'down1', 60)).toBe(60);
      servers.setFailing(false);
      expect(await crawl(client, 'ok2', 20)).toBe(20);
      servers.setFailing(true);
      expect(await crawl(client, 'down2', 60)).toBe(60);
      servers.setFailing(false);
      expect(await crawl(client, 'ok3', 20)).toBe(20);
      expect(outageLines(lines)).toEqual([
        'warn cdx: dedupe lookup failed, storing full record',
        'info cdx: dedupe source answers again',
        'warn cdx: dedupe lookup failed, storing full record',
        'info cdx: dedupe source answers again',
      ]);
      failedLookups.push(...lines.filter((l) => l.msg === 'dedupe source answers again').map((l) => l.fields.failedLookups as number));
    });
    // Every failed lookup is counted, in the log's totals and the metric alike.
    expect(failedLookups).toHaveLength(2);
    expect(metrics.value('dedupe_lookup_errors_total', { source: 'cdx', reason: 'http_status' })).toBe(failedLookups[0]! + failedLookups[1]!);
  });

  it('Redis paused with SIGSTOP mid-crawl, then resumed', async () => {
    const redis = await startRedis();
    try {
      await withClient({ redis: { url: redis.url, timeout: 300 } }, async (client, lines) => {
        expect(await crawl(client, 'r-ok1', 20)).toBe(20);
        process.kill(redis.pid, 'SIGSTOP');
        try {
          expect(await crawl(client, 'r-down', 60)).toBe(60);
        } finally {
          process.kill(redis.pid, 'SIGCONT');
        }
        expect(await crawl(client, 'r-ok2', 20)).toBe(20);
        expect(outageLines(lines)).toEqual(['warn redis: dedupe lookup failed, storing full record', 'info redis: dedupe source answers again']);
      });
    } finally {
      await redis.stop();
    }
  });

  it('Redis paused: a burst of lookups sends one probe, not one command each, and dedupe resumes once Redis answers', async () => {
    const redis = await startRedis();
    const metrics = new PrometheusRegistry();
    const dedupe = createDedupeIndex({ redis: { url: redis.url, timeout: 300 }, metrics });
    const errors = (): number => metrics.total('dedupe_lookup_errors_total');
    const candidate = (name: string): ReturnType<typeof candidateFor> => candidateFor(payload(4096, name), `http://site/${name}`);
    try {
      expect(await dedupe.check(candidate('before'))).toBeNull();
      process.kill(redis.pid, 'SIGSTOP');
      try {
        expect(await dedupe.check(candidate('first failure'))).toBeNull(); // the outage begins
        expect(errors()).toBe(1);
        // All started before any settles: one goes to Redis as the probe, the rest are not sent.
        const burst = await Promise.all(Array.from({ length: 400 }, (_, i) => dedupe.check(candidate(`burst ${i}`))));
        expect(burst.every((hit) => hit === null)).toBe(true);
        expect(errors()).toBe(2);
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
      // The next lookup is the probe that finds Redis back; then duplicates are found again.
      expect(await dedupe.check(candidate('after'))).toBeNull();
      expect(await dedupe.check(candidate('after'))).toMatchObject({ source: 'redis', targetUri: 'http://site/after' });
      expect(await dedupe.check(candidate('before'))).toMatchObject({ source: 'redis', targetUri: 'http://site/before' });
      expect(errors()).toBe(2);
    } finally {
      await dedupe.close();
      await redis.stop();
    }
  });
});
