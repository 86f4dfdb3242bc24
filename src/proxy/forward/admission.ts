import type { IncomingHttpHeaders } from 'node:http';
import { TAG_HEADER, type BasicAuth } from './auth';
import { TAG_PATTERN } from './config';
import type { UpstreamPool } from './upstream-pool';

export type Admission = { ok: true; tag?: string } | { ok: false; status: 400 | 407; message: string };

/**
 * Decides whether a proxy request may be routed, and for which tag. The tag
 * comes from the X-Warcwire-Tag header or the `-tag-<tag>` username suffix;
 * both at once must agree. A tag no enabled upstream carries is a client
 * error (400), not a reason to fall back to other upstreams.
 */
export function admit(headers: IncomingHttpHeaders, auth: BasicAuth | undefined, pool: UpstreamPool): Admission {
  let userTag: string | undefined;
  if (auth) {
    const result = auth.check(headers['proxy-authorization']);
    if (!result.ok) return { ok: false, status: 407, message: result.reason === 'missing' ? 'proxy credentials required' : 'wrong proxy credentials' };
    userTag = result.tag;
  }
  const header = headers[TAG_HEADER];
  if (Array.isArray(header)) return { ok: false, status: 400, message: `more than one ${TAG_HEADER} header` };
  const headerTag = header?.trim();
  if (headerTag !== undefined && !TAG_PATTERN.test(headerTag)) return { ok: false, status: 400, message: `malformed ${TAG_HEADER}` };
  if (headerTag !== undefined && userTag !== undefined && headerTag !== userTag) {
    return { ok: false, status: 400, message: 'the tag header and the username tag disagree' };
  }
  const tag = headerTag ?? userTag;
  if (tag !== undefined && !pool.serves(tag)) return { ok: false, status: 400, message: `no enabled upstream has tag ${tag}` };
  return tag === undefined ? { ok: true } : { ok: true, tag };
}
