/**
 * Proxy section: tunnel set-ups per second and bulk throughput on loopback,
 * direct vs through our forward proxy (direct mode, in its own process) vs
 * squid (a peer forward proxy) on the same workload. Targets: set-up rate
 * >= squid's, throughput >= 80 % of direct.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createForwardProxy } from '../../src/proxy/forward/forward-proxy';
import { startSquid } from '../../test/helpers/net-proxies';
import type { Daemon } from '../../test/helpers/net-daemon';
import { median } from '../stats';
import type { BenchRow, BenchSection } from '../types';

type Opener = () => Promise<net.Socket>;

/** Echo on one port (set-ups), a bulk source on another (throughput: writes `bytes` then closes). */
async function startTargets(bytes: number): Promise<{ echo: number; source: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const echo = net.createServer((s) => {
    track(s);
    s.pipe(s);
  });
  const chunk = Buffer.alloc(256 * 1024, 'b');
  const source = net.createServer((s) => {
    track(s);
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!s.write(piece)) return void s.once('drain', pump);
      }
      s.end();
    };
    s.once('data', pump); // start when the client says so (after the tunnel is up)
  });
  const listen = (server: net.Server): Promise<number> =>
    new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  const [echoPort, sourcePort] = await Promise.all([listen(echo), listen(source)]);
  return {
    echo: echoPort,
    source: sourcePort,
    close: () => {
      echo.close();
      source.close();
      for (const s of sockets) s.destroy();
    },
  };
}

function direct(port: number): Opener {
  return () =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });
}

function viaConnect(proxyPort: number, targetPort: number): Opener {
  return () =>
    new Promise((resolve, reject) => {
      const socket = net.connect(proxyPort, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => socket.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\n\r\n`));
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        if (!/^HTTP\/1\.[01] 200/.test(head.toString('latin1'))) return reject(new Error(head.toString('latin1').split('\r\n')[0]));
        if (end + 4 < head.length) socket.unshift(head.subarray(end + 4));
        resolve(socket);
      };
      socket.on('data', onData);
    });
}

/** Opens, sends one byte, waits for its echo, closes: `count` times with `concurrency` in flight. */
async function setupRate(open: Opener, count: number, concurrency: number): Promise<number> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      const socket = await open();
      await new Promise<void>((resolve, reject) => {
        socket.once('data', () => resolve());
        socket.once('error', reject);
        socket.resume();
        socket.write('x');
      });
      socket.destroy();
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** MB/s of `streams` parallel downloads of the source's bytes. */
async function throughput(open: Opener, streams: number, bytes: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      const socket = await open();
      let got = 0;
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (c: Buffer) => (got += c.length));
        socket.once('end', resolve);
        socket.once('error', reject);
        socket.resume();
        socket.write('go');
      });
      socket.destroy();
      if (got !== bytes) throw new Error(`short download: ${got} of ${bytes}`);
    }),
  );
  return (streams * bytes) / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Our proxy in a child process (this file run as a script), so it does not share the load generator's event loop. */
async function startOurProxy(): Promise<{ port: number; child: ChildProcess }> {
  // stdin stays open while we live: the child exits when it closes, even if we crash.
  const child = spawn(process.execPath, [__filename, '--serve-proxy'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`proxy child exited with ${code}`)));
  });
  return { port, child };
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

/** CPU time (user + system, ms) a process has used so far, from /proc; NaN when unknown. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

export const run: BenchSection = async ({ quick }) => {
  const setups = quick ? 3000 : 10000;
  const concurrency = 32;
  // Enough bulk per round that the proxy's CPU (read in 10 ms ticks) is well resolved.
  const bytes = (quick ? 64 : 128) * 1024 * 1024;
  const streams = 4;
  // The machine is shared: contenders take turns, round after round, and each
  // reports its median, so a burst of load elsewhere does not hit only one.
  const rounds = quick ? 5 : 7;
  const targets = await startTargets(bytes);
  const ours = await startOurProxy();
  let squid: Daemon | undefined;
  const rows: BenchRow[] = [];
  try {
    try {
      squid = await startSquid();
    } catch (error) {
      rows.push({ section: 'proxy', case: 'squid unavailable', metrics: { error: (error as Error).message.split('\n')[0]! } });
    }
    const contenders: [string, (port: number) => Opener][] = [
      ['direct', (port) => direct(port)],
      ['warcwire proxy', (port) => viaConnect(ours.port, port)],
      ...(squid ? ([['squid', (port: number) => viaConnect(squid!.port, port)]] as [string, (port: number) => Opener][]) : []),
    ];
    // The proxy's own CPU per unit of work does not depend on what else the machine runs.
    const squidPid = squid ? Number(fs.readFileSync(`${squid.dir}/squid.pid`, 'utf8').trim()) : undefined;
    const pids: Record<string, number | undefined> = { direct: undefined, 'warcwire proxy': ours.child.pid, squid: squidPid };
    const samples = new Map<string, { rate: number[]; mbps: number[]; paired: number[]; setupCpu: number; bulkCpu: number }>(
      contenders.map(([name]) => [name, { rate: [], mbps: [], paired: [], setupCpu: 0, bulkCpu: 0 }]),
    );
    // Warm-up: a long-running proxy is JIT-compiled; measure that, not start-up.
    for (const [, opener] of contenders) await setupRate(opener(targets.echo), 3000, concurrency);
    for (let round = 0; round < rounds; round++) {
      for (const [name, opener] of contenders) {
        const sample = samples.get(name)!;
        let cpu = cpuMs(pids[name]);
        sample.rate.push(await setupRate(opener(targets.echo), setups, concurrency));
        // Let the proxy finish closing the last set-ups (and collect their garbage) so
        // that work is not billed to the bulk transfer below.
        await new Promise((resolve) => setTimeout(resolve, 300));
        sample.setupCpu += cpuMs(pids[name]) - cpu;
        cpu = cpuMs(pids[name]);
        sample.mbps.push(await throughput(opener(targets.source), streams, bytes));
        // Each round's ratio to the direct run just before it: slow drifts in machine load cancel.
        sample.paired.push(sample.mbps.at(-1)! / samples.get('direct')!.mbps.at(-1)!);
        sample.bulkCpu += cpuMs(pids[name]) - cpu;
      }
    }
    const results = Object.fromEntries(
      [...samples].map(([name, s]) => [
        name,
        {
          rate: median(s.rate),
          mbps: median(s.mbps),
          paired: median(s.paired),
          cpuUsPerTunnel: (s.setupCpu * 1000) / (rounds * setups),
          cpuMsPerGB: s.bulkCpu / ((rounds * streams * bytes) / 1e9),
        },
      ]),
    );
    for (const [name, r] of Object.entries(results)) {
      const metrics: Record<string, number | string> = { 'tunnels/s': r.rate, 'MB/s': r.mbps };
      if (name !== 'direct') {
        metrics['MB/s vs direct'] = r.mbps / results.direct!.mbps;
        metrics['MB/s vs direct, paired by round'] = r.paired;
        metrics['proxy CPU us/tunnel'] = r.cpuUsPerTunnel;
        metrics['proxy CPU ms/GB'] = r.cpuMsPerGB;
      }
      if (name === 'warcwire proxy' && results.squid) metrics['tunnels/s vs squid'] = r.rate / results.squid.rate;
      rows.push({
        section: 'proxy',
        case: `${name} (median of ${rounds}: ${setups} set-ups x${concurrency}, ${streams}x${bytes / 1048576} MiB)`,
        metrics,
      });
    }
  } finally {
    ours.child.kill();
    await squid?.stop();
    targets.close();
  }
  return rows;
};

if (require.main === module && process.argv.includes('--serve-proxy')) {
  process.stdin.on('end', () => process.exit(0)).resume();
  void createForwardProxy({ listen: '127.0.0.1:0', maxClients: 100_000 }).then((proxy) => process.stdout.write(`${proxy.port}\n`));
}
