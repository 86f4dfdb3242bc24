import { dnsResourceRecord } from '../net/dns-record';
import type { DnsCapture } from '../net/dns-types';
import type { WarcWriter } from '../warc/write/writer';
import type { ClientObserver } from './client-observer';

/**
 * Writes every DNS resolution the dialer made over the network as a WARC
 * `resource` record (`dns:<host>`, `text/dns`, WARC-Date = when the answer
 * came) through the client's writer. Cache hits, /etc/hosts answers and IP
 * literals never reach it (the resolver does not report them).
 */
export class DnsArchive {
  /** DNS records on disk. */
  written = 0;
  /** DNS records the writer refused (logged and counted as write errors). */
  failed = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly writer: WarcWriter,
    private readonly observer: ClientObserver,
  ) {}

  /** The dialer's `onDnsRecord`: synchronous for the resolver, the write runs on. */
  readonly archive = (capture: DnsCapture): void => {
    const url = `dns:${capture.host}`;
    this.observer.dnsArchived(capture.host, capture.rcode);
    const p = this.writer.write([dnsResourceRecord(capture)]).then(
      (records) => {
        this.written++;
        this.observer.recordsWritten(records, url);
      },
      (err: Error) => {
        this.failed++;
        this.observer.writeFailed(err, url);
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  };

  /** Resolves once every DNS record write started so far has settled. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
