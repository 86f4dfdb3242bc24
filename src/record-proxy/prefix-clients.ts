import { WarcClient } from '../client/warc-client';
import type { WarcClientSettings } from '../client/settings';

/** A client lent to one exchange; `release()` once the exchange is over (written or known not to be). */
export type ClientPick = { ok: true; client: WarcClient; release(): void } | { ok: false; message: string };

/**
 * The WarcClients of one recording proxy: the default one (the settings' own
 * writer prefix) and one per Warcwire-Meta warcPrefix, made on first use, at
 * most `max` of those at once. They share everything the settings hold (the one
 * DedupeIndex, dialer options, TLS, timeouts) and differ only in file prefix.
 * A prefix no exchange is using may be closed (its files finished) to make room
 * for a new one, the least recently used first: a long-running proxy serves any
 * number of crawl jobs one after another, each with its own prefix.
 */
export class PrefixClients {
  /** In order of last use, the least recent first. */
  private readonly byPrefix = new Map<string, Promise<WarcClient>>();
  /** Exchanges holding each prefix's client. */
  private readonly users = new Map<string, number>();
  /** Clients closed to make room, for close() to wait on. */
  private readonly retiring = new Set<Promise<void>>();

  private constructor(
    private readonly settings: WarcClientSettings,
    readonly main: WarcClient,
    private readonly max: number,
  ) {}

  /** Every WarcClient of the proxy sends only the headers the browser sent: no User-Agent of its own. */
  static async create(settings: WarcClientSettings, max: number): Promise<PrefixClients> {
    const shared: WarcClientSettings = { ...settings, userAgent: false };
    return new PrefixClients(shared, await WarcClient.create(shared), max);
  }

  /** The client writing files named `prefix` (undefined: the default one); refused while `max` distinct prefixes are all in use. */
  async pick(prefix: string | undefined): Promise<ClientPick> {
    if (prefix === undefined) return { ok: true, client: this.main, release: () => undefined };
    let client = this.byPrefix.get(prefix);
    if (client === undefined) {
      if (this.byPrefix.size >= this.max && !this.retireIdle()) {
        return { ok: false, message: `Warcwire-Meta: already ${this.max} distinct warcPrefix values in use (maxWarcPrefixes); ${JSON.stringify(prefix)} would be one more` };
      }
      const made = WarcClient.create({ ...this.settings, writer: { ...this.settings.writer, prefix } });
      client = made;
      // A client that could not be made is not kept: the next request for the prefix tries again.
      made.catch(() => {
        if (this.byPrefix.get(prefix) === made) this.byPrefix.delete(prefix);
      });
    }
    this.byPrefix.delete(prefix);
    this.byPrefix.set(prefix, client);
    this.users.set(prefix, (this.users.get(prefix) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const left = (this.users.get(prefix) ?? 1) - 1;
      if (left > 0) this.users.set(prefix, left);
      else this.users.delete(prefix);
    };
    try {
      return { ok: true, client: await client, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Closes the least recently used prefix no exchange holds; false when every one is in use. */
  private retireIdle(): boolean {
    for (const [prefix, client] of this.byPrefix) {
      if (this.users.has(prefix)) continue;
      this.byPrefix.delete(prefix);
      const closed = client.then(
        (c) => c.close(),
        () => undefined,
      );
      this.retiring.add(closed);
      const forget = (): boolean => this.retiring.delete(closed);
      closed.then(forget, forget);
      return true;
    }
    return false;
  }

  /** Closes every client: pending writes land, files lose their `.open`. */
  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.byPrefix.values()]);
    const clients = [this.main, ...all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
    await Promise.all([...clients.map((c) => c.close()), ...this.retiring]);
  }
}
