/**
 * Each remote dedupe source's outages. While a source fails, only one lookup at a time is
 * let through (the probe that finds it back); the others are skipped, so a source that
 * never answers costs one timeout at a time rather than one per exchange, and leaves at
 * most one command at a time in its client's queue (ioredis keeps a timed-out command
 * until its reply comes).
 *
 * An outage is logged once: a warning at its first failed lookup, debug lines for the rest
 * (the metric still counts each), and one info line with the number of failed lookups when
 * a lookup succeeds again. A lookup counts only against the state it started in, so lookups
 * already in flight when the source went down (or came back) do not flip it back and forth.
 */
import type { Logger, LogFields } from '../obs/logger';
import type { LookupFailure } from './errors';

/** One lookup let through by begin(). */
export interface Lookup {
  started: bigint;
  /** Sent while the source was failing. */
  probe: boolean;
}

interface SourceState {
  failing: boolean;
  /** When `failing` last changed (process.hrtime.bigint()). */
  since: bigint;
  /** Failed lookups in the current outage. */
  failures: number;
  probing: boolean;
}

export class SourceOutages<Source extends string> {
  private readonly states = new Map<Source, SourceState>();

  constructor(private readonly logger: Logger) {}

  /** A lookup of `source` may start now, or undefined: the source is failing and a probe is out. */
  begin(source: Source): Lookup | undefined {
    const state = this.state(source);
    if (!state.failing) return { started: process.hrtime.bigint(), probe: false };
    if (state.probing) return undefined;
    state.probing = true;
    return { started: process.hrtime.bigint(), probe: true };
  }

  /** The lookup failed; `fields` describe it. */
  failed(source: Source, lookup: Lookup, err: LookupFailure, fields: LogFields): void {
    const state = this.end(source, lookup);
    const line = { source, reason: err.reason, ...fields, error: err.message };
    if (!state.failing && lookup.started >= state.since) {
      Object.assign(state, { failing: true, since: process.hrtime.bigint(), failures: 1 });
      this.logger.warn(line, 'dedupe lookup failed, storing full record');
      return;
    }
    if (state.failing) state.failures++;
    this.logger.debug(line, 'dedupe lookup failed, storing full record');
  }

  /** The lookup got an answer. */
  answered(source: Source, lookup: Lookup): void {
    const state = this.end(source, lookup);
    if (!state.failing || lookup.started < state.since) return;
    this.logger.info({ source, failedLookups: state.failures }, 'dedupe source answers again');
    Object.assign(state, { failing: false, since: process.hrtime.bigint(), failures: 0 });
  }

  /** The lookup ended some other way (a bug, not the source): it only stops being the probe. */
  abandoned(source: Source, lookup: Lookup): void {
    this.end(source, lookup);
  }

  private end(source: Source, lookup: Lookup): SourceState {
    const state = this.state(source);
    if (lookup.probe) state.probing = false;
    return state;
  }

  private state(source: Source): SourceState {
    let state = this.states.get(source);
    if (state === undefined) this.states.set(source, (state = { failing: false, since: 0n, failures: 0, probing: false }));
    return state;
  }
}
