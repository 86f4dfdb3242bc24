/**
 * `warcwire record-proxy` as a user runs it: the compiled CLI (bin/warcwire.js,
 * `npm run build` first) in a child process, its start-up lines parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli-child';

export interface RecordProxyBanner {
  /** The proxy URL it listens on (`http://127.0.0.1:PORT`). */
  url: string;
  /** The CA certificate (PEM) a client is told to trust. */
  caFile: string;
  /** The CA's SPKI hash as printed (base64 of sha256). */
  spki: string;
  /** The Chromium line it prints. */
  example: string;
}

export interface RecordProxyChild {
  child: ChildProcess;
  out(): string;
  err(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the start-up lines are out; rejects when the process ends first. */
  banner: Promise<RecordProxyBanner>;
  /** Waits until stderr (from `from` on) matches `pattern`. */
  waitForErr(pattern: RegExp, from?: number, ms?: number): Promise<void>;
}

export function startRecordProxyCli(args: string[], env: NodeJS.ProcessEnv = {}): RecordProxyChild {
  const child = spawn(process.execPath, [BIN, 'record-proxy', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exit.then(() => {
    ended = true;
    for (const l of listeners) l();
  });
  const waitForErr = (pattern: RegExp, from = 0, ms = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(err.slice(from))) done(resolve);
        else if (ended) done(() => reject(new Error(`record-proxy exited before printing ${pattern}; stderr:\n${err}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${err}`))), ms);
      const done = (then: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        then();
      };
      listeners.add(check);
      check();
    });
  const banner = waitForErr(/^browse with: .*$/m).then(() => ({
    url: /^recording proxy listening on (\S+)$/m.exec(err)![1]!,
    caFile: /^CA certificate: (.+?)(?: \(created now\))?$/m.exec(err)![1]!,
    spki: /^CA SPKI sha256: (\S+)$/m.exec(err)![1]!,
    example: /^browse with: (.*)$/m.exec(err)![1]!,
  }));
  banner.catch(() => undefined);
  return { child, out: () => out, err: () => err, exit, banner, waitForErr };
}
