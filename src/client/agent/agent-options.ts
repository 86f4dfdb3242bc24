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

const POOL_KEYS = ['keepAlive', 'keepAliveMsecs', 'maxSockets', 'maxTotalSockets', 'maxFreeSockets', 'timeout', 'scheduling'] as const;

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
  const pool: Record<string, unknown> = {};
  for (const key of POOL_KEYS) if (given[key] !== undefined) pool[key] = given[key];
  const onWritten = given.onWritten;
  if (onWritten !== undefined && typeof onWritten !== 'function') throw new ClientError('ERR_INVALID_SETTING', `${where}: onWritten must be a function`);
  return { controls, pool: pool as AgentPoolOptions, onWritten: onWritten as AgentOptions['onWritten'] };
}
