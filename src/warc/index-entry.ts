/** What a CDXJ line says about a record, from its WARC fields and the start of its block. */
import { bareMime, type CdxjEntry } from './cdxj';
import { headerValue, isHttpContentType, parseHttpHead } from './http-head';

export const DEFAULT_INDEX_TYPES: readonly string[] = ['response', 'revisit', 'resource', 'metadata'];

/** Bytes of a block's start that are enough for an HTTP head. */
export const HEAD_PEEK = 64 * 1024;

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
  const digest = get('WARC-Payload-Digest') ?? get('WARC-Block-Digest');
  if (isHttpContentType(contentType) && (type === 'response' || type === 'revisit' || type === 'request')) {
    const head = parseHttpHead(blockStart);
    if (head?.kind === 'response') {
      entry.status = head.status;
      entry.mime = bareMime(headerValue(head, 'Content-Type')) ?? 'unk';
    } else if (head?.kind === 'request') {
      entry.method = head.method;
    }
  } else {
    entry.mime = bareMime(contentType);
  }
  if (type === 'revisit') entry.mime = 'warc/revisit';
  if (digest !== undefined) entry.digest = digest;
  return entry;
}
