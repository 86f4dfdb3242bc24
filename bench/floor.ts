/**
 * The "floor" contender of the client section: the least any recorder must do
 * with an exchange, on the same bytes as the recording client — a block digest
 * over the response (head and body) and a payload digest over the body, both as
 * the body streams in, then one gzip-6 member of the record (its WARC header
 * carrying both digests) through the native record sink: compressed and written
 * to a file off the main thread, as fast as the addon does it today. No request
 * record, no spool, no dedupe.
 */
import type { Dispatcher } from 'undici';
import type { AppendResult, Backend, RecordSink } from '../src/backend/types';
import { recordFields, serializeHeader } from '../src/warc/header';
import { newRecordId } from '../src/warc/record';

/** What a request loop's worker does with one response: reads its body to the end, returns the body's length. */
export type Consume = (url: string, res: Dispatcher.ResponseData) => Promise<number>;

/** The response head as HTTP/1.1 bytes, rebuilt from what undici parsed (the floor's stand-in for the raw head; same size give or take the reason phrase). */
function headBytes(res: Dispatcher.ResponseData): Buffer {
  let head = `HTTP/1.1 ${res.statusCode} OK\r\n`;
  for (const [name, value] of Object.entries(res.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) head += `${name}: ${one}\r\n`;
  }
  return Buffer.from(`${head}\r\n`);
}

/** Records exchanges into `sink` as floor work; one consumer() per loop worker. */
export class FloorRecorder {
  /** Appends not settled yet (each worker's last one, at most). */
  private readonly pending = new Set<Promise<AppendResult>>();
  appends = 0;

  constructor(
    private readonly backend: Backend,
    private readonly sink: RecordSink,
  ) {}

  /** One loop worker's consumer: it keeps one append in flight while it fetches the next response. */
  consumer(): Consume {
    let previous: Promise<unknown> = Promise.resolve();
    return async (url, res) => {
      const head = headBytes(res);
      const block = this.backend.createDigest('sha1');
      const payload = this.backend.createDigest('sha1');
      block.update(head);
      const chunks: Buffer[] = [head];
      let bytes = 0;
      for await (const chunk of res.body) {
        const piece = chunk as Buffer;
        block.update(piece);
        payload.update(piece);
        chunks.push(piece);
        bytes += piece.length;
      }
      const record = Buffer.concat(chunks);
      const header = serializeHeader(
        recordFields({
          type: 'response',
          id: newRecordId(),
          date: new Date(),
          targetUri: url,
          contentType: 'application/http; msgtype=response',
          fields: [
            ['WARC-Block-Digest', block.label()],
            ['WARC-Payload-Digest', payload.label()],
          ],
          block: record,
        }),
      );
      await previous; // rejects the loop if the previous append failed
      const append = this.sink.append(header, record);
      this.appends++;
      this.pending.add(append);
      const settled = () => this.pending.delete(append);
      append.then(settled, settled);
      previous = append;
      return bytes;
    };
  }

  /** Every append landed (or the first failure). */
  async drained(): Promise<void> {
    await Promise.all(this.pending);
  }
}
