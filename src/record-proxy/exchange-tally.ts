import type { WarcDispatchOptions } from '../client/dispatch-options';
import { DiscardedError } from '../client/errors';
import type { WrittenExchange } from '../client/pending-write';
import type { Logger } from '../obs/logger';
import type { ExchangeEnd } from './stats';

/** Body bytes of one exchange, as relayed. */
export interface RelayedBytes {
  up: number;
  down: number;
}

export interface RelayHooks {
  logger: Logger;
  /** Runs once per exchange, when it is written (or known not to be) and the browser has had all of it. */
  ended(end: ExchangeEnd, bytes: RelayedBytes): void;
  /** The exchange's settling, for close() to wait on. */
  track(settled: Promise<void>): void;
}

/**
 * One exchange's bookkeeping. The capture may write the pair before the
 * browser has taken the whole body (it reads ahead of a slow browser), so the
 * exchange is reported once both have happened: its write settled and its
 * relay over (ended, failed or cut).
 */
export class ExchangeTally {
  readonly bytes: RelayedBytes = { up: 0, down: 0 };
  private relayOver!: () => void;
  private readonly relayed = new Promise<void>((resolve) => (this.relayOver = resolve));

  constructor(
    private readonly hooks: RelayHooks,
    private readonly dedupeBucket: string | undefined,
  ) {}

  /** The relay to the browser is over (may be called more than once). */
  relayEnded(): void {
    this.relayOver();
  }

  /** The `warcwire` dispatch option: the exchange's dedupe bucket, and where its write is heard of. */
  dispatchOptions(): WarcDispatchOptions {
    const onWritten = (written: Promise<WrittenExchange>): void => {
      const end = written.then(
        (w): ExchangeEnd => ({ kind: 'recorded', revisit: w.revisit === true }),
        (error: unknown): ExchangeEnd => (error instanceof DiscardedError ? { kind: 'discarded' } : { kind: 'failed' }),
      );
      this.hooks.track(Promise.all([end, this.relayed]).then(([e]) => this.hooks.ended(e, this.bytes)));
    };
    return { ...(this.dedupeBucket !== undefined ? { dedupeBucket: this.dedupeBucket } : {}), onWritten };
  }
}
