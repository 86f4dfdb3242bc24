/**
 * Clients of the recording proxy for its tests: an https.Agent whose
 * connections are CONNECT tunnels through the proxy with TLS to the proxy's
 * leaf certificate (keep-alive, counted), plain requests through it, and the
 * WARC files of a directory read back with warcio and the project's reader.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { join } from 'node:path';
import { base32Encode } from '../../src/digest/base32';
import { openTunnel } from './proxy-clients';
import { readAll, type ReadBack } from './warc-read';
import { warcioRead, type WarcioRecord } from './warc-tools';

export interface TunnelAgent extends https.Agent {
  /** Tunnels this agent opened. */
  tunnels(): number;
}

/**
 * An https.Agent that reaches `host:port` origins through a CONNECT tunnel of
 * the proxy at `proxyPort`, trusting `ca` (the recording proxy's CA) for the
 * TLS inside it. `connectHeaders` go on every CONNECT head.
 */
export function tunnelAgent(proxyPort: number, ca: string, options: { keepAlive?: boolean; connectHeaders?: Record<string, string> } = {}): TunnelAgent {
  let opened = 0;
  const agent = new https.Agent({ keepAlive: options.keepAlive ?? true, maxSockets: 8 }) as TunnelAgent;
  agent.createConnection = ((opts: tls.ConnectionOptions & { host: string; port: number }, done: (err: Error | null, socket?: Duplex) => void) => {
    const authority = opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
    openTunnel(proxyPort, authority, options.connectHeaders).then(
      ({ status, socket }) => {
        if (status !== 200) return done(new Error(`CONNECT answered ${status}`));
        opened++;
        // `host` names the peer for the certificate check (an IP SAN for IP literals); SNI only for names.
        const secure = tls.connect({ socket, ca, host: opts.host, ...(opts.servername ? { servername: opts.servername } : {}) });
        secure.once('secureConnect', () => done(null, secure));
        secure.once('error', (error) => done(error));
      },
      (error: Error) => done(error),
    );
    return undefined;
  }) as unknown as typeof agent.createConnection;
  agent.tunnels = () => opened;
  return agent;
}

export interface Fetched {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** One request with node:http(s), the body collected. */
export function request(url: string, options: http.RequestOptions & { body?: Buffer | Buffer[] } = {}): Promise<Fetched> {
  const { body, ...rest } = options;
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, rest, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, statusMessage: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const piece of Array.isArray(body) ? body : body ? [body] : []) req.write(piece);
    req.end();
  });
}

/** sha1 as warcio-read.mjs prints it. */
export const sha1 = (bytes: Buffer): string => `sha1:${base32Encode(createHash('sha1').update(bytes).digest())}`;

export function warcFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.warc(\.gz|\.zst)?$/.test(f)).sort();
}

export function openFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.open'));
}

/** Every record of the directory's WARC files as warcio reads them. */
export function warcioRecords(dir: string): WarcioRecord[] {
  return warcFiles(dir).flatMap((f) => warcioRead(join(dir, f)));
}

/** Every record with its WARC headers (the project's reader), for headers warcio does not print. */
export async function ownRecords(dir: string): Promise<ReadBack[]> {
  const out: ReadBack[] = [];
  for (const f of warcFiles(dir)) out.push(...(await readAll(join(dir, f))).records);
  return out;
}

/** All values of a WARC header of a record (WARC-Protocol repeats). */
export function headerValues(record: ReadBack, name: string): string[] {
  return record.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** Polls `check` until it holds (stats count an exchange when it is written, just after the browser has it). */
export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
