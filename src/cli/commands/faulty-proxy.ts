import { parseArgs } from 'node:util';
import type { CliCommand, CliIO } from '../command';
import { DEFAULT_FAULTY_PROXY, DEFAULT_LISTEN_HOST } from '../../defaults';
import { WarcwireError } from '../../errors';
import { parseListenAddress } from '../../proxy/listen-address';
import { createFaultyProxy } from '../../proxy/faulty/faulty-proxy';
import { parseFaultArg } from '../../proxy/faulty/fault-arg';

const usage = `Usage: warcwire faulty-proxy [--listen HOST:PORT] [--seed N] [--fault SPEC]...

A CONNECT + plain-HTTP proxy that forwards to targets and injects faults.

  --listen HOST:PORT   address to bind (default ${DEFAULT_FAULTY_PROXY.cliListen}; a bare port binds ${DEFAULT_LISTEN_HOST})
  --seed N             seed of the fault draws (same seed, same order: same faults)
  --fault SPEC         KIND[,key=value...], repeatable. Kinds: latency, reset, close,
                       timeout, bad-gateway, internal-error, bandwidth, slice, limit-data.
                       Keys: rate (0-1, default 1), phase (before|inside|both),
                       latencyMs, jitterMs, bytesPerSecond, sliceBytes, sliceDelayMs,
                       limitBytes, afterBytes.
Examples:
  warcwire faulty-proxy --fault reset,rate=0.2
  warcwire faulty-proxy --fault latency,latencyMs=300,jitterMs=100 --fault bandwidth,bytesPerSecond=50000
Stops on SIGINT or SIGTERM.
`;

/** Resolves on the first SIGINT/SIGTERM, removing its handlers. */
export function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const command: CliCommand = {
  name: 'faulty-proxy',
  summary: 'run a proxy that injects network faults (for testing crawlers)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          listen: { type: 'string', default: DEFAULT_FAULTY_PROXY.cliListen },
          seed: { type: 'string' },
          fault: { type: 'string', multiple: true, default: [] },
          help: { type: 'boolean', short: 'h' },
        },
      });
      if (values.help) {
        io.stdout.write(usage);
        return 0;
      }
      const address = parseListenAddress(values.listen!, '--listen');
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new WarcwireError('ERR_USAGE', '--seed must be an integer');
      const faults = (values.fault ?? []).map((text) => parseFaultArg(text));
      const proxy = await createFaultyProxy({ host: address.host, port: address.port, faults, ...(seed === undefined ? {} : { seed }) });
      io.stderr.write(`faulty proxy listening on ${proxy.url} with ${faults.length} fault(s)\n`);
      await untilStopped();
      await proxy.close();
      io.stderr.write(`faulty proxy stopped: ${JSON.stringify(proxy.counters)}\n`);
      return 0;
    } catch (error) {
      io.stderr.write(`warcwire faulty-proxy: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
      return error instanceof WarcwireError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
    }
  },
};

export default command;
