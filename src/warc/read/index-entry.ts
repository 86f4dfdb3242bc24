/** What a CDXJ line says about a record, from its WARC fields and the start of its block. */
import { bareMime, type CdxjEntry } from '../cdxj';
import { headerValue, isHttpContentType, parseHttpHead } from '../../http/head';

export const DEFAULT_INDEX_TYPES: readonly string[] = ['response', 'revisit', 'resource', 'metadata'];

/** Bytes of a block's start that are enough for an HTTP head. */
export const HEAD_PEEK = 64 * 1024;

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
