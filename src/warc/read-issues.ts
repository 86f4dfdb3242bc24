/** Damage found while reading: reported (tolerant mode) or thrown (strict mode). */

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
