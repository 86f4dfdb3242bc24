import type { IncomingHttpHeaders } from 'node:http';
import { dedupeBucketProblem } from '../dedupe/candidate';

/** The request header that carries per-exchange metadata; never sent upstream. */
export const META_HEADER = 'warcwire-meta';

/** Per-exchange metadata from a Warcwire-Meta header (on a CONNECT: the tunnel's default). */
export interface ExchangeMeta {
  /** File-name prefix of the WARC files this exchange goes to (its own writer). */
  warcPrefix?: string;
  /** Dedupe bucket: a payload archived in another bucket is not a revisit target. */
  dedupeBucket?: string;
  /** Labels counted in the proxy's stats. */
  tags?: string[];
}

export type MetaResult = { ok: true; meta: ExchangeMeta } | { ok: false; message: string };

const KEYS = ['warcPrefix', 'dedupeBucket', 'tags'];
/** Safe in a file name on every platform the writer runs on. */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_TAGS = 16;
const MAX_TAG = 64;

const shortText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && !/[\u0000-\u001f\u007f]/.test(value);

/** Parses the Warcwire-Meta header (absent: no metadata); a message for the 400 when it is unusable. */
export function parseMeta(headers: IncomingHttpHeaders): MetaResult {
  const raw = headers[META_HEADER];
  if (raw === undefined) return { ok: true, meta: {} };
  if (Array.isArray(raw)) return { ok: false, message: 'more than one Warcwire-Meta header' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'Warcwire-Meta is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'Warcwire-Meta must be a JSON object' };
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0) return { ok: false, message: `Warcwire-Meta: unknown key ${JSON.stringify(unknown[0])} (known: ${KEYS.join(', ')})` };
  const meta: ExchangeMeta = {};
  if (fields.warcPrefix !== undefined) {
    if (typeof fields.warcPrefix !== 'string' || !PREFIX.test(fields.warcPrefix)) {
      return { ok: false, message: `Warcwire-Meta: warcPrefix must be 1-100 characters of letters, digits, ".", "_" and "-" (not first), got ${JSON.stringify(fields.warcPrefix)}` };
    }
    meta.warcPrefix = fields.warcPrefix;
  }
  if (fields.dedupeBucket !== undefined) {
    const problem = dedupeBucketProblem(fields.dedupeBucket);
    if (problem !== undefined) return { ok: false, message: `Warcwire-Meta: dedupeBucket ${problem}` };
    meta.dedupeBucket = fields.dedupeBucket as string;
  }
  if (fields.tags !== undefined) {
    const tags = fields.tags;
    if (!Array.isArray(tags) || tags.length > MAX_TAGS || !tags.every((tag) => shortText(tag, MAX_TAG))) {
      return { ok: false, message: `Warcwire-Meta: tags must be an array of at most ${MAX_TAGS} non-empty strings of at most ${MAX_TAG} characters` };
    }
    meta.tags = [...new Set(tags as string[])];
  }
  return { ok: true, meta };
}

/** A request's metadata over its tunnel's: each field the request gives wins. */
export function mergeMeta(tunnel: ExchangeMeta, request: ExchangeMeta): ExchangeMeta {
  return { ...tunnel, ...request };
}
