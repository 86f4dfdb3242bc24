import { PassThrough, type Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { WarcwireError } from '../errors';
import { ClientError } from './errors';

/** The caller's copy of a body with its content-codings undone; `codings` in the order undone (empty: as sent). */
export interface DecodedBody {
  stream: Readable;
  codings: string[];
}

function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** What a decoder threw, as the caller sees it; the capture's own (typed) errors pass as they are. */
function decodingError(url: string, codings: readonly string[], err: Error): Error {
  if (err instanceof WarcwireError) return err;
  return new ClientError('ERR_CONTENT_DECODING', `the body of ${url} does not decode as Content-Encoding ${codings.join(', ')} says (${err.message}); the record keeps the bytes as sent`, {
    cause: err,
  });
}

/**
 * Pipes `raw` through decoders for `contentEncoding` (the last coding applied is undone
 * first). An unknown coding hands over the raw bytes. Whichever way the body is read
 * (a Node stream, a web stream, text()), a decoder's failure arrives as ClientError
 * ERR_CONTENT_DECODING; the capture has the bytes as sent either way. Destroying the
 * returned stream destroys `raw`, which is the caller letting go of the body.
 */
export function decodedBody(raw: Readable, contentEncoding: string | null, url: string): DecodedBody {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity')
    .reverse();
  if (codings.length === 0) return { stream: raw, codings };
  const decoders = codings.map(decoderFor);
  if (decoders.some((d) => d === undefined)) return { stream: raw, codings: [] };
  // Wired by hand, not with pipeline(): pipeline() lets go of the last decoder once its writable side
  // has finished, and a truncated gzip fails in the decoder's flush, after that: an 'error' nobody
  // listens to crashes the process. Here every stage keeps its listener for good, and the caller's
  // stream fails with the typed error.
  const stages: Readable[] = [raw, ...(decoders as Transform[])];
  const out = new PassThrough();
  for (const stage of stages) stage.on('error', (err: Error) => out.destroy(decodingError(url, codings, err)));
  let from = raw;
  for (const decoder of decoders as Transform[]) from = from.pipe(decoder);
  from.pipe(out);
  out.once('close', () => {
    for (const stage of stages) if (!stage.destroyed) stage.destroy();
  });
  return { stream: out, codings };
}
