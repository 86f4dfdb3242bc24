/** What a CDXJ line says about a record, from its WARC fields and the start of its block. */
import { bareMime, type CdxjEntry } from '../cdxj';
import { requestQuery, urlWithRequestQuery } from '../request-query';
import { headerValue, isHttpContentType, parseHttpHead } from '../../http/head';

export const DEFAULT_INDEX_TYPES: readonly string[] = ['response', 'revisit', 'resource', 'metadata'];

/** Bytes of a block's start that are enough for an HTTP head. */
export const HEAD_PEEK = 64 * 1024;

/**
 * Bytes of a request block's start that its key is made from (head and body):
 * a body query is at most 4096 characters, but JSON and multipart bodies are
 * read whole, up to this bound (memory stays bounded whatever the file holds).
 */
export const REQUEST_PEEK = 1024 * 1024;

/** Default indexing skips crawler-internal metadata (warc-fields), as warcio's and pywb's indexers do. */
export function skippedByDefault(type: string, contentType: string | undefined): boolean {
  return type === 'metadata' && /^application\/warc-fields\b/i.test((contentType ?? '').trim());
}

export type IndexFields = Omit<CdxjEntry, 'offset' | 'length' | 'filename'>;

export function indexFields(
  type: string,
  get: (name: string) => string | undefined,
  blockStart: Uint8Array,
): IndexFields | undefined {
  const url = get('WARC-Target-URI');
  const date = get('WARC-Date');
  if (url === undefined || date === undefined) return undefined;
  const contentType = get('Content-Type');
  const entry: IndexFields = { url: url.replace(/^<(.*)>$/, '$1'), date };
  // Like pywb / cdxj-indexer / warcio: the payload digest only (no fallback to the block digest).
  const digest = get('WARC-Payload-Digest');
  if (isHttpContentType(contentType) && (type === 'response' || type === 'revisit' || type === 'request')) {
    const head = parseHttpHead(blockStart);
    if (head?.kind === 'response') {
      entry.status = head.status;
      const mime = bareMime(headerValue(head.headers, 'Content-Type'));
      if (mime !== undefined) entry.mime = mime;
    } else if (head?.kind === 'request') {
      entry.method = head.method;
    }
  } else if (contentType !== undefined && contentType.trim() !== '') {
    // Non-HTTP records: the Content-Type as written, parameters included (as warcio's indexer does).
    entry.mime = contentType.trim();
  }
  if (type === 'revisit') entry.mime = 'warc/revisit';
  if (digest !== undefined) entry.digest = digest;
  return entry;
}

/** What the key of a response needs from the request paired with it. */
export interface RequestFacts {
  method: string;
  contentType: string | undefined;
  /** The bytes after the head, as stored (a chunked body with its chunk lines, as warcio and pywb take it). */
  body: Uint8Array;
}

/** The method, Content-Type and body of an HTTP request record, from the start of its block. */
export function requestFacts(contentType: string | undefined, blockStart: Uint8Array): RequestFacts | undefined {
  if (!isHttpContentType(contentType)) return undefined;
  const head = parseHttpHead(blockStart);
  if (head?.kind !== 'request' || head.method === undefined) return undefined;
  return { method: head.method, contentType: headerValue(head.headers, 'Content-Type'), body: blockStart.subarray(head.bodyOffset) };
}

/**
 * A response's (or revisit's) index fields once its request is known: a
 * request other than GET adds its `method`, keys the capture on the URL with
 * the method and body appended (`requestBody` holds that query when not empty),
 * as warcio's `cdx-index` does.
 */
export function withRequest(fields: IndexFields, request: RequestFacts): IndexFields {
  if (request.method === 'GET') return fields;
  const query = requestQuery(request.contentType, request.body);
  const keyed: IndexFields = { ...fields, keyUrl: urlWithRequestQuery(fields.url, request.method, query), method: request.method };
  if (query !== '') keyed.requestBody = query;
  return keyed;
}
