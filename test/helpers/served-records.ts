/**
 * Compares what a site served with what warcio read from the WARC files: per
 * URL, the length and SHA-1 of each response block against the bytes the
 * origin sent, and of each request block against the bytes it received.
 */
import { sha1Base32 } from './crawlee-crawl';
import type { ServedRequest } from './browser-site';
import type { WarcioRecord } from './warc-tools';

export interface BlockFacts {
  url: string;
  length: number;
  sha1: string;
}

const byUrl = (a: BlockFacts, b: BlockFacts) => a.url.localeCompare(b.url) || a.sha1.localeCompare(b.sha1);

/** The blocks of the records of `type` ('response' or 'request'), sorted. */
export function recordedBlocks(records: WarcioRecord[], type: 'response' | 'request'): BlockFacts[] {
  return records
    .filter((r) => r.type === type)
    .map((r) => ({ url: r.targetUri ?? '', length: r.blockLength, sha1: r.sha1 }))
    .sort(byUrl);
}

/** What the origins sent ('response') or received ('request'), as recordedBlocks gives it. */
export function servedBlocks(served: ServedRequest[], type: 'response' | 'request'): BlockFacts[] {
  return served
    .map(({ url, request }) => {
      const bytes = type === 'response' ? request.sent() : request.received;
      return { url, length: bytes.length, sha1: sha1Base32(bytes) };
    })
    .sort(byUrl);
}
