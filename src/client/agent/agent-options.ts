import type { ClientRequest } from 'node:http';
import { ClientError } from '../errors';
import type { WrittenExchange } from '../pending-write';
import { checkRequestControls, type RequestControls } from '../request-controls';

/**
 * What `client.agents(options)` takes: the request controls every request of
 * the pair is bound to, node's http.Agent pool options, and where each
 * request's `written` goes.
 */
export interface AgentOptions extends RequestControls {
  /** Keep connections open for the next request (node's http.Agent option). Default true. */
  keepAlive?: boolean;
  /** TCP keep-alive initial delay of kept-alive sockets, ms. Default 1000. */
  keepAliveMsecs?: number;
  /** Connections per origin (and per connection controls). Default Infinity (node's default). */
  maxSockets?: number;
  /** Connections of the agent in all. Default Infinity. */
  maxTotalSockets?: number;
  /** Idle connections kept per origin. Default 256. */
  maxFreeSockets?: number;
  /** Socket inactivity timeout, ms (node emits 'timeout' on the request; the caller decides). */
  timeout?: number;
  /** Which idle connection is reused first. Default 'lifo'. */
  scheduling?: 'fifo' | 'lifo';
  /**
   * Called once per request, when the agent takes it, with the promise of where its
   * exchange landed: it resolves and rejects exactly as `fetch()`'s `written`.
   */
  onWritten?: (written: Promise<WrittenExchange>, request: ClientRequest) => void;
}

/** The node http.Agent pool options among AgentOptions. */
export type AgentPoolOptions = Pick<AgentOptions, 'keepAlive' | 'keepAliveMsecs' | 'maxSockets' | 'maxTotalSockets' | 'maxFreeSockets' | 'timeout' | 'scheduling'>;

/** node's Agent takes almost anything here (maxSockets: 'x'); these are the values that mean something. */
function checkPool(given: Record<string, unknown>, where: string): AgentPoolOptions {
  const fail = (what: string): never => {
    throw new ClientError('ERR_INVALID_SETTING', `${where}: ${what}`);
  };
  const pool: AgentPoolOptions = {};
  if (given.keepAlive !== undefined) pool.keepAlive = typeof given.keepAlive === 'boolean' ? given.keepAlive : fail('keepAlive must be a boolean');
  for (const key of ['keepAliveMsecs', 'timeout'] as const) {
    const v = given[key];
    if (v !== undefined) pool[key] = typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(`${key} must be a non-negative number of ms, got ${String(v)}`);
  }
  for (const key of ['maxSockets', 'maxTotalSockets', 'maxFreeSockets'] as const) {
    const v = given[key];
    if (v !== undefined) pool[key] = typeof v === 'number' && (Number.isSafeInteger(v) || v === Infinity) && v >= 1 ? v : fail(`${key} must be a positive integer or Infinity, got ${String(v)}`);
  }
  if (given.scheduling !== undefined) pool.scheduling = given.scheduling === 'fifo' || given.scheduling === 'lifo' ? given.scheduling : fail(`scheduling must be 'fifo' or 'lifo', got ${JSON.stringify(given.scheduling)}`);
  return pool;
}

/** The agent options split in their parts, checked (ClientError ERR_INVALID_SETTING naming the field). */
export interface CheckedAgentOptions {
  controls: RequestControls;
  pool: AgentPoolOptions;
  onWritten: AgentOptions['onWritten'];
}

export function checkAgentOptions(value: unknown, where: string): CheckedAgentOptions {
  const controls = checkRequestControls(value, where);
  if (controls.afterAbort === 'finish') {
    // Node's http client destroys the socket itself when its caller aborts; reading on would mean faking node's internals.
    throw new ClientError('ERR_INVALID_SETTING', `${where}: afterAbort 'finish' is not available for the http(s) agents (node destroys the socket when its caller aborts); they always stop and record what arrived`);
  }
  const given = (value ?? {}) as Record<string, unknown>;
  const pool = checkPool(given, where);
  const onWritten = given.onWritten;
  if (onWritten !== undefined && typeof onWritten !== 'function') throw new ClientError('ERR_INVALID_SETTING', `${where}: onWritten must be a function`);
  return { controls, pool, onWritten: onWritten as AgentOptions['onWritten'] };
}
