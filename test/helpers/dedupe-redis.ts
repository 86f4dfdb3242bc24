/** A real redis-server on a free loopback port, no persistence, in its own temp dir. */
import { spawnDaemon, type Daemon } from './net-daemon';
import { freePort } from './net-ports';

export async function startRedis(): Promise<Daemon & { url: string }> {
  const port = await freePort();
  const daemon = await spawnDaemon({
    name: 'redis',
    command: 'redis-server',
    port,
    args: (dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
  });
  return Object.assign(daemon, { url: `redis://127.0.0.1:${port}/3` });
}
