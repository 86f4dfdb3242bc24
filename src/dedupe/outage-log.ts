/**
 * Reports a failing dedupe source once per outage: the first failed lookup is a warning,
 * the rest of the outage is debug lines (the metric still counts each), and the first
 * lookup that succeeds again is one info line with the number of lookups that failed.
 * A lookup counts only against the state it started in, so lookups that were already in
 * flight when the source went down (or came back) do not flip it back and forth.
 */
import type { Logger, LogFields } from '../obs/logger';
import type { LookupFailure } from './errors';

interface SourceState {
  failing: boolean;
  /** When `failing` last changed (process.hrtime.bigint()). */
  since: bigint;
  /** Failed lookups in the current outage. */
  failures: number;
}

export class OutageLog<Source extends string> {
  private readonly states = new Map<Source, SourceState>();

  constructor(private readonly logger: Logger) {}

  /** A lookup begun at `started` failed; `fields` describe it. */
  failed(source: Source, started: bigint, err: LookupFailure, fields: LogFields): void {
    const state = this.state(source);
    const line = { source, reason: err.reason, ...fields, error: err.message };
    if (!state.failing && started >= state.since) {
      Object.assign(state, { failing: true, since: process.hrtime.bigint(), failures: 1 });
      this.logger.warn(line, 'dedupe lookup failed, storing full record');
      return;
    }
    if (state.failing) state.failures++;
    this.logger.debug(line, 'dedupe lookup failed, storing full record');
  }

  /** A lookup begun at `started` got an answer. */
  answered(source: Source, started: bigint): void {
    const state = this.states.get(source);
    if (state === undefined || !state.failing || started < state.since) return;
    this.logger.info({ source, failedLookups: state.failures }, 'dedupe source answers again');
    Object.assign(state, { failing: false, since: process.hrtime.bigint(), failures: 0 });
  }

  private state(source: Source): SourceState {
    let state = this.states.get(source);
    if (state === undefined) this.states.set(source, (state = { failing: false, since: 0n, failures: 0 }));
    return state;
  }
}
