export type { DedupeCandidate, DedupeConfig, DedupeHit, DedupeIndex, DedupeSource } from './types';
export { DedupeError, type DedupeErrorCode } from './errors';
export { createDedupeIndex, DedupeChain, DEFAULT_LOCAL_MAX_ENTRIES, DEFAULT_REMOTE_TIMEOUT_MS } from './dedupe-index';
export { DEFAULT_SIZE_THRESHOLD, isEmptyPayloadDigest } from './candidate';
export {
  buildRevisitRecord,
  buildNotModifiedRevisit,
  isNotModifiedAnswer,
  IDENTICAL_PAYLOAD_PROFILE,
  SERVER_NOT_MODIFIED_PROFILE,
  type RevisitInput,
  type NotModifiedInput,
} from './revisit';
export { parseDedupeSpecs } from './spec';
export { dedupeSavings, type DedupeSavings } from './savings';
