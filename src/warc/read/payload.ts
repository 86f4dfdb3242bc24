/**
 * A record's payload as a stream: the block after the HTTP head, with the
 * transfer coding removed (WARC 1.1's payload: de-chunked, content-encoding
 * kept), and on request the content coding decoded too. Never whole in memory.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Dechunker } from './dechunk';
import { WarcError } from '../errors';
import { headerCodings, isChunked, type HttpHead } from '../../http/head';
import type { ReadRecord } from './read-record';

export interface PayloadOptions {
  /** Also undo Content-Encoding (gzip, x-gzip, deflate, br); default false, as the payload digest sees it. */
  decodeContentEncoding?: boolean;
}

/** Codings named by the header fields, in the order they were applied; `identity` changes nothing. */
function codings(head: HttpHead, name: string): string[] {
  return headerCodings(head.headers, name).filter((c) => c !== 'identity');
}

async function* afterHead(block: AsyncIterable<Buffer>, skip: number): AsyncGenerator<Buffer> {
  for await (let chunk of block) {
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      chunk = chunk.subarray(n);
      skip -= n;
    }
    if (chunk.length > 0) yield chunk;
  }
}

/**
 * Removes chunked coding. A body labelled chunked that does not start as
 * chunked coding passes unchanged (as warcio and pywb read it); coding that
 * breaks later is noted on the record and the rest passes raw.
 */
async function* dechunked(body: AsyncIterable<Buffer>, record: ReadRecord): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const dechunker = new Dechunker((data) => out.push(Buffer.from(data)));
  let held: Buffer[] | undefined = []; // raw bytes until the first size line proves the coding
  let raw = false;
  for await (const chunk of body) {
    if (raw) {
      yield chunk;
      continue;
    }
    held?.push(chunk);
    dechunker.write(chunk);
    if (held && dechunker.started) held = undefined;
    for (const d of out.splice(0)) yield d;
    if (!dechunker.valid) {
      raw = true;
      if (held) {
        for (const h of held) yield h;
        held = undefined;
      } else {
        record.issue('payload', 'chunked transfer coding breaks off inside the body; the rest is passed as stored', 'note');
      }
    }
  }
  // Too short to tell (no size line ended): the bytes as stored.
  if (held) for (const h of held) yield h;
}

function decoderFor(coding: string, first: Buffer, offset: number): Transform {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      // Sync flush: a truncated payload (WARC-Truncated) decodes as far as it goes.
      return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate': {
      // "deflate" is zlib-wrapped per RFC 9110, but servers send raw deflate too.
      const wrapped = first.length >= 2 && (first[0] & 0x0f) === 8 && (first[0] * 256 + first[1]) % 31 === 0;
      const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
      return wrapped ? zlib.createInflate(options) : zlib.createInflateRaw(options);
    }
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      throw new WarcError('ERR_WARC_CONTENT_ENCODING', `cannot decode content coding ${JSON.stringify(coding)} (gzip, deflate and br can be)`, { offset });
  }
}

async function* decoded(body: AsyncIterable<Buffer>, coding: string, offset: number): AsyncGenerator<Buffer> {
  const it = body[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const transform = decoderFor(coding, first.value, offset);
  const head = first.value;
  const input = Readable.from(
    (async function* () {
      yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    })(),
  );
  pipeline(input, transform, () => undefined);
  try {
    for await (const chunk of transform) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof WarcError) throw err;
    throw new WarcError('ERR_WARC_CONTENT_ENCODING', `${coding} payload does not decode: ${(err as Error).message}`, { offset, cause: err });
  } finally {
    input.destroy();
    transform.destroy();
  }
}

/** The payload of `record` given its parsed HTTP head (undefined: not HTTP, the whole block). */
export function httpPayload(record: ReadRecord, head: HttpHead | undefined, options: PayloadOptions): AsyncGenerator<Buffer> {
  if (!head) return afterHead(record.block(), 0);
  let body = afterHead(record.block(), head.bodyOffset);
  const transfer = codings(head, 'Transfer-Encoding');
  if (isChunked(head.headers)) {
    transfer.pop();
    body = dechunked(body, record);
  }
  // Other transfer codings are not part of the payload either; content codings only on request.
  const undo = [...transfer].reverse();
  if (options.decodeContentEncoding) undo.push(...codings(head, 'Content-Encoding').reverse());
  for (const coding of undo) body = decoded(body, coding, record.offset);
  return body;
}
