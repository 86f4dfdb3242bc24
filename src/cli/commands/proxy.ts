import { parseArgs } from 'node:util';
import type { CliCommand, CliIO } from '../command';
import { WarcwireError } from '../../errors';
import { lineLogger } from '../line-logger';
import { readConfigFile, reloadFromFile, watchConfigFile } from '../../proxy/forward/config-file';
import type { ForwardProxyConfigInput } from '../../proxy/forward/config';
import { createForwardProxy } from '../../proxy/forward/forward-proxy';
import { untilStopped } from './faulty-proxy';

const usage = `Usage: warcwire proxy --config proxy.json [--no-watch] [--quiet]

A forward proxy (CONNECT and plain HTTP) spreading clients over upstream proxies.

  --config FILE   JSON configuration (see README: listen, auth.users, upstreams,
                  retries, statsPath, metricsPath, limits, health)
  --no-watch      do not reload when the file changes (SIGHUP still reloads)
  --quiet         log warnings and errors only
Tags: a client asks for upstreams with a tag by sending "X-Warcwire-Tag: TAG" or by
using the username "USER-tag-TAG". Stats: GET /stats (JSON), GET /metrics (Prometheus).
Reloads on file change and on SIGHUP; stops on SIGINT or SIGTERM.
`;

const command: CliCommand = {
  name: 'proxy',
  summary: 'run the forward proxy with upstream load balancing',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          config: { type: 'string', short: 'c' },
          'no-watch': { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (error) {
      io.stderr.write(`warcwire proxy: ${(error as Error).message}\n${usage}`);
      return 2;
    }
    if (values.help) {
      io.stdout.write(usage);
      return 0;
    }
    if (!values.config) {
      io.stderr.write(`warcwire proxy: --config is required\n${usage}`);
      return 2;
    }
    const file = values.config;
    const logger = lineLogger((line) => io.stderr.write(line), values.quiet ? 'warn' : 'info');
    try {
      const proxy = await createForwardProxy(readConfigFile(file) as ForwardProxyConfigInput, { logger });
      const stopWatching = values['no-watch'] ? () => undefined : watchConfigFile(proxy, file, logger);
      const onHangup = (): void => {
        logger.info({ file }, 'proxy: SIGHUP, reloading');
        reloadFromFile(proxy, file, logger);
      };
      process.on('SIGHUP', onHangup);
      const stopped = untilStopped();
      logger.info({ url: proxy.url, config: file, watch: !values['no-watch'] }, 'proxy: ready');
      const signal = await stopped;
      process.off('SIGHUP', onHangup);
      stopWatching();
      logger.info({ signal }, 'proxy: stopping');
      await proxy.close();
      return 0;
    } catch (error) {
      io.stderr.write(`warcwire proxy: ${error instanceof Error ? error.message : String(error)}\n`);
      return error instanceof WarcwireError ? 2 : 1;
    }
  },
};

export default command;
