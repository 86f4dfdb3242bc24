/**
 * Agents section. got 14 fetching 16 KiB responses from the client section's
 * loopback server (a child process), same request loop, same concurrency:
 * (a) through `client.httpAgent`, recording with the native backend, (b) with
 * a plain `new http.Agent({ keepAlive: true })`, not recording. The contenders
 * take turns round after round (the order alternating); each reports its
 * median requests/s, (a) also its ratio to (b). No target: the ratio is reported.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBackend } from '../../src/backend';
import { WarcClient } from '../../src/client/warc-client';
import { alternatingRounds, median, pairedRatio } from '../stats';
import type { BenchRow, BenchSection } from '../types';
import { startServer } from './client';

const CONCURRENCY = 8;
const SIZE = 16384;
const RECORDING = 'got 14 + client.httpAgent (recording, native)';
const PLAIN = 'got 14 + http.Agent keep-alive (not recording)';

/**
 * The one call of got 14 this section makes. got is ESM-only: its types
 * resolve only under node16 module resolution (this tree compiles as node10
 * CommonJS), and Node >= 20.19 can require() it.
 */
type Got = (url: string, options: { agent: { http: http.Agent }; responseType: 'buffer'; retry: { limit: number } }) => Promise<{ body: Buffer }>;

/** What one timed run fetches with, and how it ends (after the loop): the pairs written, undefined when not recording. */
interface Setup {
  agent: http.Agent;
  finish(): Promise<number | undefined>;
}

async function recordingSetup(): Promise<Setup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-bench-agents-'));
  const client = await WarcClient.create({ writer: { directory: dir, compression: 'gzip', maxFileSize: 0 }, backend: getBackend('native') });
  return {
    agent: client.httpAgent,
    finish: async () => {
      try {
        await client.close(); // every record on disk
        return client.stats.written;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function plainSetup(): Promise<Setup> {
  const agent = new http.Agent({ keepAlive: true });
  return {
    agent,
    finish: async () => {
      agent.destroy();
      return undefined;
    },
  };
}

/** `count` GETs of `url` through got with CONCURRENCY in flight; seconds from the first request to finish(). */
async function timed(got: Got, open: () => Promise<Setup>, url: string, count: number): Promise<number> {
  const setup = await open();
  let next = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) {
        const { body } = await got(url, { agent: { http: setup.agent }, responseType: 'buffer', retry: { limit: 0 } });
        bytes += body.length;
      }
    }),
  );
  const written = await setup.finish();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (bytes !== count * SIZE) throw new Error(`read ${bytes} bytes, expected ${count * SIZE}`);
  if (written !== undefined && written !== count) throw new Error(`expected ${count} pairs, wrote ${written}`);
  return seconds;
}

export const run: BenchSection = async ({ quick }) => {
  let got: Got;
  try {
    got = (require('got') as { got: Got }).got;
  } catch (err) {
    return [{ section: 'agents', case: 'got 14', metrics: { note: `not available: ${(err as Error).message.split('\n')[0]!}` } }];
  }
  const count = quick ? 2000 : 20000;
  const rounds = 3;
  const server = await startServer();
  const rows: BenchRow[] = [];
  try {
    const url = `${server.origin}/16k`;
    const contenders: Array<[string, () => Promise<Setup>]> = [
      [RECORDING, recordingSetup],
      [PLAIN, plainSetup],
    ];
    for (const [, open] of contenders) await timed(got, open, url, Math.min(500, count)); // warm-up
    const [recording, plain] = await alternatingRounds(contenders, rounds, async ([, open]) => count / (await timed(got, open, url, count)));
    for (const [label, rates] of [
      [RECORDING, recording!],
      [PLAIN, plain!],
    ] as const) {
      const metrics: Record<string, number | string> = { 'requests/s': median(rates), 'MB/s': (median(rates) * SIZE) / 1e6 };
      if (label === RECORDING) {
        metrics['recording/plain'] = median(recording!) / median(plain!);
        metrics['recording/plain, paired by round'] = pairedRatio(recording!, plain!);
      }
      rows.push({ section: 'agents', case: `16k ${label} (median of ${rounds}, ${count} requests x${CONCURRENCY})`, metrics });
    }
  } finally {
    server.child.kill();
  }
  return rows;
};
