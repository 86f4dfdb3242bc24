/** Damage found while reading: reported (tolerant mode) or thrown (strict mode). */
import { WarcError } from '../errors';

export type ReadIssueSeverity = 'error' | 'note';

export interface ReadIssue {
  /** Compressed offset of the member/record concerned (plain files: byte offset). */
  offset: number;
  severity: ReadIssueSeverity;
  /** Short stable kind, e.g. 'garbage', 'truncated', 'trailer', 'header', 'block-digest'. */
  kind: string;
  message: string;
  recordId?: string;
  recordType?: string;
}

export type IssueSink = (issue: ReadIssue) => void;

/**
 * The error strict reading throws for an issue. `base`: where the input read
 * starts in its file (reading from an offset), so the error names file offsets.
 */
export function issueError(issue: ReadIssue, base = 0): WarcError {
  const code = issue.kind === 'truncated' ? 'ERR_WARC_TRUNCATED' : issue.kind === 'header-too-long' ? 'ERR_WARC_HEADER_TOO_LONG' : 'ERR_WARC_PARSE';
  const offset = base + issue.offset;
  return new WarcError(code, `offset ${offset}: ${issue.message}`, { offset });
}
