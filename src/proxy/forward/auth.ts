import { createHash, timingSafeEqual } from 'node:crypto';
import { TAG_PATTERN } from './config';

/** Header a client may send to ask for upstreams carrying a tag. Removed before forwarding. */
export const TAG_HEADER = 'x-warcwire-tag';
/** Username suffix with the same meaning: `alice-tag-residential` is user `alice` asking for tag `residential`. */
export const TAG_SUFFIX = '-tag-';

export type AuthResult = { ok: true; username?: string; tag?: string } | { ok: false; reason: 'missing' | 'invalid' };

interface Credentials {
  username: string;
  password: string;
}

/** Hashing first gives equal-length inputs, so the comparison time does not depend on where they differ. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Basic credentials from a header value, or undefined when it is not Basic or is malformed. */
export function parseBasic(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks credentials against the configured users in constant time per
 * user: every user is compared, with no early exit. A username that is not a
 * configured user but ends in `-tag-<tag>` is tried as its base name with
 * that tag.
 */
export class BasicAuth {
  private readonly users: { name: Buffer; pass: Buffer }[];

  constructor(users: readonly Credentials[]) {
    this.users = users.map((u) => ({ name: digest(u.username), pass: digest(u.password) }));
  }

  check(header: string | undefined): AuthResult {
    const given = parseBasic(header);
    if (!given) return { ok: false, reason: header ? 'invalid' : 'missing' };
    const password = digest(given.password);
    if (this.matches(digest(given.username), password)) return { ok: true, username: given.username };
    const at = given.username.lastIndexOf(TAG_SUFFIX);
    if (at > 0) {
      const base = given.username.slice(0, at);
      const tag = given.username.slice(at + TAG_SUFFIX.length);
      if (TAG_PATTERN.test(tag) && this.matches(digest(base), password)) return { ok: true, username: base, tag };
    }
    return { ok: false, reason: 'invalid' };
  }

  private matches(name: Buffer, pass: Buffer): boolean {
    let found = false;
    for (const user of this.users) {
      // Both comparisons always run: `&&` would skip the password check for a wrong name.
      const nameOk = timingSafeEqual(name, user.name);
      const passOk = timingSafeEqual(pass, user.pass);
      if (nameOk && passOk) found = true;
    }
    return found;
  }
}
