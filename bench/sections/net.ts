/**
 * Net section: requests per second on loopback through the Dialer, each
 * request on a new connection (dial + GET + 1 KiB response), direct vs through
 * microsocks (socks5h) vs through tinyproxy and squid (HTTP CONNECT), same
 * origin and concurrency in one run. 'overhead' = direct rate / proxied rate:
 * the proxy's own cost plus the dialer's handshake. Contenders alternate in
 * 250 ms slices (20 rounds, 6 with --quick).
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import { Dialer, type DialerOptions } from '../../src/net/dialer';
import { stopAllDaemons } from '../../test/helpers/net-daemon';
import { startMicrosocks, startSquid, startTinyproxy } from '../../test/helpers/net-proxies';
import type { BenchRow, BenchSection } from '../types';

const CONCURRENCY = 8;

async function startOrigin(): Promise<{ port: number; close(): Promise<void> }> {
  const body = Buffer.alloc(1024, 'x');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': body.length, connection: 'close' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One GET over a freshly dialed socket; resolves when the whole response has arrived. */
function get(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ createConnection: () => socket, path: '/', headers: { host: 'localhost', connection: 'close' } });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.end();
  });
}

interface Tally {
  completed: number;
  seconds: number;
}

/** Runs CONCURRENCY workers through `dialer` for `sliceMs`, adding completions and time to `tally`. */
async function slice(dialer: Dialer, port: number, sliceMs: number, tally: Tally): Promise<void> {
  const started = process.hrtime.bigint();
  const deadline = Date.now() + sliceMs;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const { socket } = await dialer.dial({ protocol: 'http:', hostname: 'localhost', port });
      await get(socket);
      socket.destroy();
      tally.completed += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  tally.seconds += Number(process.hrtime.bigint() - started) / 1e9;
}

export const run: BenchSection = async ({ quick }) => {
  const origin = await startOrigin();
  try {
    const [microsocks, tinyproxy, squid] = await Promise.all([startMicrosocks(), startTinyproxy(), startSquid()]);
    // squid is a second CONNECT proxy: it separates our CONNECT cost from tinyproxy's own
    // (tinyproxy takes tens of ms to set up each tunnel here, squid about one).
    const contenders: Array<[string, DialerOptions]> = [
      ['direct', {}],
      ['microsocks socks5h', { proxies: [microsocks.url('socks5h')] }],
      ['tinyproxy CONNECT', { proxies: [tinyproxy.url('http')] }],
      ['squid CONNECT', { proxies: [squid.url('http')] }],
    ];
    // The machine is shared: contenders take turns in short slices (rotating order)
    // so load from elsewhere falls on all of them alike. Time-boxed, so a slow
    // proxy costs no more wall time than a fast one.
    const rounds = quick ? 6 : 20;
    const sliceMs = 250;
    const dialers = contenders.map(([, options]) => new Dialer(options));
    const tallies = contenders.map((): Tally => ({ completed: 0, seconds: 0 }));
    await slice(dialers[0]!, origin.port, 300, { completed: 0, seconds: 0 }); // warm-up: JIT, sockets
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (round + k) % contenders.length;
        await slice(dialers[i]!, origin.port, sliceMs, tallies[i]!);
      }
    }
    await Promise.all(dialers.map((dialer) => dialer.close()));
    const best = new Map(contenders.map(([name], i) => [name, tallies[i]!.completed / tallies[i]!.seconds]));
    const direct = best.get('direct')!;
    return contenders.map(([name]): BenchRow => {
      const rate = best.get(name)!;
      return {
        section: 'net',
        case: `${name}, new connection per request, concurrency ${CONCURRENCY}`,
        metrics: { 'requests/s': rate, 'vs direct': rate / direct, overhead: direct / rate },
      };
    });
  } finally {
    await stopAllDaemons();
    await origin.close();
  }
};
