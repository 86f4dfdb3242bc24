import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from './net-ports';

/** A daemon started by a test: loopback only, config and logs in its own temp dir. */
export interface Daemon {
  name: string;
  host: string;
  port: number;
  /** The daemon's process id (for tests that pause it with SIGSTOP or kill it). */
  pid: number;
  /** Temp dir holding the config and logs; removed by stop(). */
  dir: string;
  /** Output of the process (stdout + stderr) plus its log file, if any. */
  log(): string;
  stop(): Promise<void>;
}

export interface SpawnDaemonOptions {
  name: string;
  command: string;
  args: (dir: string) => string[];
  /** Files to write into the temp dir before starting, by name. */
  files?: (dir: string) => Record<string, string>;
  port: number;
  host?: string;
  /** Log file inside dir to include in log(). */
  logFile?: string;
  /** The dir must be writable by an unprivileged user the daemon switches to. */
  worldWritableDir?: boolean;
  startTimeoutMs?: number;
  /** Waits for readiness; default waits for a TCP listener on host:port. */
  ready?: (daemon: Daemon, alive: () => boolean) => Promise<void>;
}

const running = new Set<Daemon>();

/**
 * Starts a daemon in the foreground, waits until it serves, and returns a
 * handle whose stop() kills it (TERM, then KILL after 2 s) and removes its dir.
 */
export async function spawnDaemon(options: SpawnDaemonOptions): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), `warcwire-${options.name}-`));
  if (options.worldWritableDir) chmodSync(dir, 0o777);
  for (const [file, text] of Object.entries(options.files?.(dir) ?? {})) writeFileSync(join(dir, file), text);
  let output = '';
  let exited = false;
  const child: ChildProcess = spawn(options.command, options.args(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      output += `spawn error: ${error.message}\n`;
      exited = true;
      resolve();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const daemon: Daemon = {
    name: options.name,
    host,
    port: options.port,
    pid: child.pid ?? 0,
    dir,
    log() {
      const file = options.logFile ? join(dir, options.logFile) : undefined;
      const fileText = file && existsSync(file) ? readFileSync(file, 'utf8') : '';
      return output + fileText;
    },
    async stop() {
      running.delete(daemon);
      if (!exited && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 2000);
        await exitedPromise;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(daemon);
  try {
    const alive = (): boolean => !exited;
    if (options.ready) await options.ready(daemon, alive);
    else await waitForPort(options.port, host, options.startTimeoutMs ?? 30000, alive);
  } catch (error) {
    const log = daemon.log();
    await daemon.stop();
    throw new Error(`${options.name} did not start: ${(error as Error).message}\n${log}`);
  }
  return daemon;
}

/** Stops every daemon still running (for an afterAll safety net). */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...running].map((daemon) => daemon.stop()));
}
