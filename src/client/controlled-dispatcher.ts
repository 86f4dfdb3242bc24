import type { Dispatcher } from 'undici';
import type { CapturingDispatcher } from './capturing-dispatcher';
import type { WarcDispatchOptions } from './dispatch-options';
import { undici } from './undici';

/** Adds the same WarcDispatchOptions to every dispatch (a dispatch's own `warcwire` option wins field by field). */
export class ControlledDispatcher extends undici.Dispatcher {
  constructor(
    private readonly target: CapturingDispatcher,
    private readonly options: WarcDispatchOptions,
  ) {
    super();
  }
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const own = (opts as { warcwire?: unknown }).warcwire;
    // Anything but an object is left for the target's check to refuse.
    const warcwire = own === undefined ? this.options : typeof own === 'object' && own !== null ? { ...this.options, ...own } : own;
    return this.target.dispatch({ ...opts, warcwire } as Dispatcher.DispatchOptions, handler);
  }
  override async close(): Promise<void> {}
  override async destroy(): Promise<void> {}
}
