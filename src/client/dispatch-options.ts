import { ClientError } from './errors';
import type { WrittenExchange } from './pending-write';
import { checkRequestControls, type RequestControls } from './request-controls';

/**
 * What a caller of `client.dispatcher` may add to one dispatch, as the `warcwire`
 * option of `undici.request/stream/pipeline(url, { dispatcher, warcwire })`, or to
 * every dispatch of `client.dispatcherWith(...)`: the request's controls, and
 * `onWritten`, called at dispatch with the promise of where the exchange was written
 * (as `WarcResponse.written`: it rejects when nothing was).
 */
export interface WarcDispatchOptions extends RequestControls {
  onWritten?(written: Promise<WrittenExchange>): void;
}

/** Checks dispatch options given by a caller (ClientError ERR_INVALID_SETTING naming the field); only known fields are kept. */
export function checkDispatchOptions(value: unknown, where: string): WarcDispatchOptions {
  const controls = checkRequestControls(value, where);
  const onWritten = (value as { onWritten?: unknown } | null | undefined)?.onWritten;
  if (onWritten === undefined) return controls;
  if (typeof onWritten !== 'function') throw new ClientError('ERR_INVALID_SETTING', `${where}: onWritten must be a function`);
  return { ...controls, onWritten: onWritten as WarcDispatchOptions['onWritten'] };
}
