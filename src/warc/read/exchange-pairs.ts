/**
 * Which request goes with which response, as CDX(J) indexers decide it
 * (warcio's `cdx-index`, cdxj-indexer): a response or revisit and a request
 * for the same WARC-Target-URI, one right after the other, in either order.
 * Any other record between them keeps them apart.
 */

export interface PairedRecord<T> {
  type: string;
  targetUri: string | undefined;
  value: T;
}

/** Feeds records in file order; tells, for each response or revisit, its request (if any). */
export class ExchangePairer<T> {
  private last: PairedRecord<T> | undefined;

  constructor(
    /** Called once per response or revisit, in file order, with the request paired to it. */
    private readonly settled: (response: T, request: T | undefined) => void,
  ) {}

  push(record: PairedRecord<T>): void {
    const last = this.last;
    this.last = record;
    if (last === undefined) return;
    if (last.targetUri === record.targetUri) {
      if (record.type === 'request' && isResponse(last.type)) {
        this.last = undefined;
        return this.settled(last.value, record.value);
      }
      if (isResponse(record.type) && last.type === 'request') {
        this.last = undefined;
        return this.settled(record.value, last.value);
      }
    }
    this.settleAlone(last);
  }

  /** The input ended: the record held back has no partner. */
  end(): void {
    if (this.last !== undefined) this.settleAlone(this.last);
    this.last = undefined;
  }

  private settleAlone(record: PairedRecord<T>): void {
    if (isResponse(record.type)) this.settled(record.value, undefined);
  }
}

function isResponse(type: string): boolean {
  return type === 'response' || type === 'revisit';
}
