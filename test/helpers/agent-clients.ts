/** Runs test/helpers/agent-driver.mjs (one real HTTP client through warcwire's agents, on the built dist/) in a child node. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { AgentOptions, WarcClientSettings } from '../../src/client';

export const AGENT_CLIENTS = ['https', 'axios', 'got', 'node-fetch'] as const;
export type AgentClientName = (typeof AGENT_CLIENTS)[number];

export interface DriverRequest {
  url: string;
  method?: string;
  body?: string;
  /** The caller drops the response after this many body bytes (res.destroy, AbortSignal, stream.destroy). */
  abortAfter?: number;
  /** node's request option (node:https and got pass it; axios and node-fetch do not have one). */
  rejectUnauthorized?: boolean;
  /** got: its whole-request timeout (`timeout.request`); axios: its `timeout` (an idle timeout of the socket), ms. */
  timeoutMs?: number;
  /** Index into DriverPlan.agents; default 0. */
  session?: number;
}

export interface DriverPlan {
  client: AgentClientName;
  settings: WarcClientSettings;
  /** One agent pair per session. 'default': client.httpAgent / httpsAgent; otherwise client.agents(these options) with onWritten. */
  agents: Array<'default' | Omit<AgentOptions, 'onWritten'>>;
  requests: DriverRequest[];
  concurrent?: boolean;
}

export interface DriverResult {
  url: string;
  status?: number;
  /** Body bytes the caller received (decoded by the client if it decodes) and their sha1 (hex). */
  length?: number;
  sha1?: string;
  aborted?: boolean;
  error?: { name: string; code: string | null; message: string; causeCode: string | null };
}

export interface DriverWritten {
  session: number;
  /** The ClientRequest's path, as onWritten saw it. */
  path: string;
  url?: string;
  status?: number;
  truncated?: string | null;
  responseId?: string;
  requestId?: string;
  error?: { code: string | null; message: string };
}

export interface DriverOutput {
  results: DriverResult[];
  written: DriverWritten[];
  stats: { written: number; truncated: number; failed: number };
}

const DRIVER = join(__dirname, 'agent-driver.mjs');

/** Asynchronous, so the servers in the test's own process can answer the child. */
export function runAgentDriver(plan: DriverPlan): Promise<DriverOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DRIVER, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`agent driver (${plan.client}) exited ${String(code)}: ${Buffer.concat(err).toString()}`));
      resolve(JSON.parse(Buffer.concat(out).toString()) as DriverOutput);
    });
  });
}
