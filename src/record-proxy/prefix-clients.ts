import { WarcClient } from '../client/warc-client';
import type { WarcClientSettings } from '../client/settings';

export type ClientPick = { ok: true; client: WarcClient } | { ok: false; message: string };

/**
 * The WarcClients of one recording proxy: the default one (the settings' own
 * writer prefix) and one per Warcwire-Meta warcPrefix, made on first use, at
 * most `max` of those. They share everything the settings hold (the one
 * DedupeIndex, dialer options, TLS, timeouts) and differ only in file prefix.
 */
export class PrefixClients {
  private readonly byPrefix = new Map<string, Promise<WarcClient>>();

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

  /** The client writing files named `prefix` (undefined: the default one); refused past `max` distinct prefixes. */
  async pick(prefix: string | undefined): Promise<ClientPick> {
    if (prefix === undefined) return { ok: true, client: this.main };
    let client = this.byPrefix.get(prefix);
    if (client === undefined) {
      if (this.byPrefix.size >= this.max) {
        return { ok: false, message: `Warcwire-Meta: already ${this.max} distinct warcPrefix values (maxWarcPrefixes); ${JSON.stringify(prefix)} would be one more` };
      }
      client = WarcClient.create({ ...this.settings, writer: { ...this.settings.writer, prefix } });
      this.byPrefix.set(prefix, client);
      // A client that could not be made is not kept: the next request for the prefix tries again.
      client.catch(() => this.byPrefix.delete(prefix));
    }
    return { ok: true, client: await client };
  }

  /** Closes every client: pending writes land, files lose their `.open`. */
  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.byPrefix.values()]);
    const clients = [this.main, ...all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
    await Promise.all(clients.map((c) => c.close()));
  }
}
