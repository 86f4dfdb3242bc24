/**
 * The dedupe table a fleet shares, in Redis. `claim()` is one atomic `SET key value NX EX ttl`:
 * of several crawlers claiming the same digest at once exactly one succeeds (and writes the
 * full record); the others read the winner's entry back and write revisits.
 */
import Redis from 'ioredis';
import { DedupeError, LookupFailure } from './errors';
import { remoteRecord, type RemoteRecord } from './remote-record';

export const DEFAULT_REDIS_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_REDIS_KEY_PREFIX = 'warcwire:dedupe:';
export const DEFAULT_REDIS_TIMEOUT_MS = 2000;

/** A key's value, as JSON: the same fields as a remote service's answer. */
export type RedisEntry = RemoteRecord;

export interface RedisTableOptions {
  url: string;
  ttlSeconds: number;
  keyPrefix: string;
  timeout: number;
}

export class RedisTable {
  private readonly client: Redis;
  private closed = false;
  /** The URL without its password, for messages. */
  private readonly shownUrl: string;

  constructor(private readonly options: RedisTableOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch (err) {
      throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.redis.url is not a URL: ${JSON.stringify(options.url)}`, { cause: err });
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.redis.url must be redis://host:port/db or rediss://…, got ${options.url}`);
    }
    if (parsed.pathname.length > 1 && !/^\/\d+$/.test(parsed.pathname)) {
      throw new DedupeError('ERR_DEDUPE_CONFIG', `dedupe.redis.url database must be a number, got ${parsed.pathname}`);
    }
    if (parsed.password !== '') parsed.password = '***';
    this.shownUrl = parsed.toString();
    this.client = new Redis(options.url, {
      connectTimeout: options.timeout,
      commandTimeout: options.timeout,
      // Fail a command rather than queue it for ever while Redis is away: the caller stores
      // the full record instead, which loses nothing.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
      // How long disconnect() waits for a graceful end; ioredis leaves this timer running
      // even for a socket that never connected, which would hold the process open.
      disconnectTimeout: Math.min(options.timeout, 200),
    });
    // Errors surface through the commands; without a listener ioredis would print them.
    this.client.on('error', () => {});
  }

  /** Records `entry` under `name` (a payload's dedupeKey) unless someone did first; returns theirs, or null if ours won. */
  async claim(name: string, entry: RedisEntry): Promise<RedisEntry | null> {
    const key = this.options.keyPrefix + name;
    const value = JSON.stringify(entry);
    const set = await this.command(() => this.client.call('SET', key, value, 'EX', String(this.options.ttlSeconds), 'NX'));
    if (set === 'OK') return null;
    const existing = await this.command(() => this.client.call('GET', key));
    // Expired between SET and GET (ttl elapsed in that instant): nobody holds it now, try once more.
    if (existing === null) {
      const again = await this.command(() => this.client.call('SET', key, value, 'EX', String(this.options.ttlSeconds), 'NX'));
      if (again === 'OK') return null;
      throw new LookupFailure('bad_response', `Redis key ${key} vanished while being read`);
    }
    return decode(key, existing);
  }

  /** The entry under `name` (a payload's dedupeKey), without claiming it. */
  async get(name: string): Promise<RedisEntry | null> {
    const key = this.options.keyPrefix + name;
    const existing = await this.command(() => this.client.call('GET', key));
    return existing === null ? null : decode(key, existing);
  }

  /** `PING`, answered `PONG`, within the command timeout. */
  async ping(): Promise<void> {
    const reply = await this.command(() => this.client.call('PING'));
    if (reply !== 'PONG') throw new LookupFailure('bad_response', `Redis ${this.shownUrl} answered PING with ${JSON.stringify(reply)}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // QUIT lets pending replies arrive; when not connected it could wait for a reconnect
    // that never comes, so then (or on any trouble) just drop the connection.
    if (this.client.status === 'ready') {
      const quit = this.client.quit().catch(() => undefined);
      const timer = new Promise<void>((resolve) => setTimeout(resolve, this.options.timeout).unref());
      await Promise.race([quit, timer]);
    }
    this.client.disconnect();
  }

  private async command(run: () => Promise<unknown>): Promise<unknown> {
    try {
      return await run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = /timed? ?out/i.test(message) ? 'timeout' : 'network';
      throw new LookupFailure(reason, `Redis ${this.shownUrl}: ${message}`, { cause: err });
    }
  }
}

function decode(key: string, raw: unknown): RedisEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch (err) {
    throw new LookupFailure('bad_response', `Redis key ${key} does not hold JSON`, { cause: err });
  }
  // Anyone with write access to the keys may have put anything there; only a usable entry may become a revisit.
  const e = parsed as Partial<Record<keyof RedisEntry, unknown>> | null;
  return remoteRecord(typeof e === 'object' && e !== null ? { id: e.recordId, uri: e.targetUri, date: e.date } : e, `Redis key ${key}`);
}
