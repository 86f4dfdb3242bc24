import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from './net-daemon';
import { freePort } from './net-ports';
import type { ProxyDaemon } from './net-proxies';

/**
 * OpenSSH dynamic forwarding (`ssh -D`) as a SOCKS4/4a/5 server: a private
 * sshd on a free loopback port with throwaway keys, and an ssh client whose
 * -D listener is the proxy. Used for socks4a, which danted does not speak.
 * With -vv the client logs each request as
 * `dynamic request: socks4 host HOST port PORT command 1`.
 */
export async function startSshSocks(): Promise<ProxyDaemon> {
  const keys = mkdtempSync(join(tmpdir(), 'warcwire-sshkeys-'));
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'client_key')]);
  const sshPort = await freePort();
  const socksPort = await freePort();
  let sshd: Daemon | undefined;
  try {
    sshd = await spawnDaemon({
      name: 'sshd',
      command: '/usr/sbin/sshd',
      args: (dir) => ['-D', '-e', '-f', join(dir, 'sshd_config')],
      files: (dir) => ({
        authorized_keys: readFileSync(join(keys, 'client_key.pub'), 'utf8'),
        sshd_config: [
          `Port ${sshPort}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(keys, 'host_key')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'AllowTcpForwarding yes',
          '',
        ].join('\n'),
      }),
      port: sshPort,
    });
    const client = await spawnDaemon({
      name: 'ssh-socks',
      command: 'ssh',
      args: () => [
        '-N', '-vv',
        '-D', `127.0.0.1:${socksPort}`,
        '-p', String(sshPort),
        '-i', join(keys, 'client_key'),
        '-o', 'StrictHostKeyChecking=no',
        '-o', 'UserKnownHostsFile=/dev/null',
        '-o', 'BatchMode=yes',
        '-o', 'ExitOnForwardFailure=yes',
        'root@127.0.0.1',
      ],
      port: socksPort,
    });
    const server = sshd;
    const stopClient = client.stop.bind(client);
    return Object.assign(client, {
      url: (scheme = 'socks4a') => `${scheme}://127.0.0.1:${socksPort}`,
      stop: async () => {
        await stopClient();
        await server.stop();
        rmSync(keys, { recursive: true, force: true });
      },
    });
  } catch (error) {
    await sshd?.stop();
    rmSync(keys, { recursive: true, force: true });
    throw error;
  }
}
