import { Readable } from 'node:stream';
import { CrawleeAdapterError } from './errors';

/** The kinds of body Crawlee 3 allows, as far as the adapter needs to tell them apart. */
export type AdapterBody = string | Uint8Array | Readable | Iterable<unknown> | AsyncIterable<unknown> | FormDataBody;

/** Crawlee's FormDataLike, reduced to what reading it needs. */
export interface FormDataBody {
  entries(): IterableIterator<[string, unknown]>;
  append(name: string, value: unknown, fileName?: string): void;
}

/** A file entry of a FormDataLike that is not a platform Blob (Crawlee's FileLike). */
interface FileLike {
  readonly name: string;
  readonly type: string;
  stream(): AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
}

async function fileBlob(file: FileLike): Promise<Blob> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of file.stream() as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return new Blob(chunks, { type: file.type });
}

function isFormData(body: unknown): body is FormDataBody {
  return typeof body === 'object' && body !== null && typeof (body as FormDataBody).append === 'function' && typeof (body as FormDataBody).entries === 'function';
}

function chunkBytes(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new CrawleeAdapterError('ERR_REQUEST_BODY', `a request body stream gave a ${typeof chunk} chunk; only strings and bytes can be sent`);
}

/**
 * The request body as bytes, with the Content-Type it implies (form data only).
 * Streams and generators are read whole first: a 307/308 redirect sends the
 * body again, and the request record holds it either way.
 */
export async function bodyBytes(body: AdapterBody | undefined): Promise<{ bytes: Buffer | null; contentType?: string }> {
  if (body === undefined) return { bytes: null };
  if (typeof body === 'string' || body instanceof Uint8Array) return { bytes: chunkBytes(body) };
  if (isFormData(body)) {
    // The platform's FormData encoder writes multipart/form-data with a fresh boundary.
    const form = new FormData();
    for (const [name, value] of body.entries()) {
      if (typeof value === 'string' || value instanceof Blob) form.append(name, value);
      else form.append(name, await fileBlob(value as FileLike), (value as FileLike).name);
    }
    const encoded = new Response(form);
    return { bytes: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? undefined };
  }
  const source = body instanceof Readable ? body : Readable.from(body as Iterable<unknown> | AsyncIterable<unknown>, { objectMode: true });
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of source) chunks.push(chunkBytes(chunk));
  } catch (err) {
    if (err instanceof CrawleeAdapterError) throw err;
    throw new CrawleeAdapterError('ERR_REQUEST_BODY', `reading the request body failed: ${(err as Error).message}`, { cause: err });
  }
  return { bytes: Buffer.concat(chunks) };
}
