/**
 * Clients for the proxy tests: a raw CONNECT client (to see exact statuses and
 * keep tunnels open) and a runner for the curl CLI.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';

export interface TunnelResult {
  status: number;
  head: string;
  socket: net.Socket;
}

/** Sends CONNECT host:port and resolves with the status once the head has arrived. */
export function openTunnel(
  proxyPort: number,
  target: string,
  headers: Record<string, string> = {},
  proxyHost = '127.0.0.1',
): Promise<TunnelResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, proxyHost);
    let buffer = Buffer.alloc(0);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.once('connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${extra}\r\n`));
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const head = buffer.subarray(0, end).toString('latin1');
      const rest = buffer.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ status: Number(head.split(' ')[1]), head, socket });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before a response: ${buffer.toString('latin1')}`)));
  });
}

/** Writes `message` into an open tunnel to an echo server and resolves with what comes back. */
export function echoThrough(socket: net.Socket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= message.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(message);
  });
}

export function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs curl with the given arguments (never the environment's proxy settings). */
export function curl(args: string[], timeoutMs = 15_000): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['--silent', '--show-error', '--max-time', String(Math.ceil(timeoutMs / 1000)), ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: timeoutMs + 2000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
