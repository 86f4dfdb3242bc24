import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ClientError } from './errors';

export type DispatchController = Dispatcher.DispatchController;

/**
 * undici's handler interface with controllers (public since undici 7; the
 * only one undici 8 calls). `controller` is null when undici fails a dispatch
 * before it started (undici 8).
 */
export interface ControllerHandler {
  onRequestStart?(controller: DispatchController, context: unknown): void;
  onRequestUpgrade?(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void;
  onResponseStarted?(): void;
  onResponseStart?(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void;
  onResponseData?(controller: DispatchController, chunk: Buffer): void;
  onResponseEnd?(controller: DispatchController, trailers: IncomingHttpHeaders): void;
  onResponseError?(controller: DispatchController | null, error: Error): void;
  /** undici 7 passes (chunkSize, totalBytesSent), undici 8 the chunk: handed on as given. */
  onBodySent?(...args: unknown[]): void;
  onRequestSent?(): void;
}

/** undici's older handler interface (undici 7's own `request`, `stream`, `fetch` and much third-party code use it). */
export interface LegacyHandler {
  onConnect?(abort: (err?: Error) => void, context?: unknown): void;
  onError?(err: Error): void;
  onUpgrade?(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[] | string[] | null): void;
  onBodySent?(...args: unknown[]): void;
  onRequestSent?(): void;
}

/** Raw name/value list of a header object (names as undici parsed them) when the controller has no raw list. */
function rawList(raw: DispatchController['rawHeaders'], parsed: IncomingHttpHeaders): Buffer[] {
  if (Array.isArray(raw)) return raw.map((v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : v));
  const out: Buffer[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.push(Buffer.from(name, 'latin1'), Buffer.from(v, 'latin1'));
  }
  return out;
}

/** Drives a legacy handler through the controller interface: `false` from onHeaders/onData pauses, `resume` resumes. */
class LegacyAdapter implements ControllerHandler {
  constructor(private readonly legacy: LegacyHandler) {}

  onRequestStart(controller: DispatchController, context: unknown): void {
    this.legacy.onConnect?.((err?: Error) => controller.abort(err ?? new ClientError('ERR_CLIENT_CLOSED', 'request aborted')), context);
  }

  onResponseStarted(): void {
    this.legacy.onResponseStarted?.();
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    const go = this.legacy.onHeaders?.(statusCode, rawList(controller.rawHeaders, headers), () => controller.resume(), statusMessage ?? '');
    if (go === false) controller.pause();
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (this.legacy.onData?.(chunk) === false) controller.pause();
  }

  onResponseEnd(controller: DispatchController, trailers: IncomingHttpHeaders): void {
    this.legacy.onComplete?.(rawList(controller.rawTrailers, trailers));
  }

  onResponseError(_controller: DispatchController | null, error: Error): void {
    this.legacy.onError?.(error);
  }

  onRequestUpgrade(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.legacy.onUpgrade?.(statusCode, rawList(controller.rawHeaders, headers), socket);
  }

  onBodySent(...args: unknown[]): void {
    this.legacy.onBodySent?.(...args);
  }

  onRequestSent(): void {
    this.legacy.onRequestSent?.();
  }
}

/**
 * The caller's handler in the controller style, whichever style it was written
 * in (a handler with `onRequestStart` is taken as controller-style, as undici
 * does). A handler that cannot be told its request failed is refused:
 * ClientError ERR_INVALID_REQUEST; so is one that could not take the socket of
 * an `upgrades` request (an upgrade or CONNECT), which nobody would then own.
 */
export function controllerHandler(handler: unknown, upgrades = false): ControllerHandler {
  if (handler === null || typeof handler !== 'object') throw new ClientError('ERR_INVALID_REQUEST', 'the dispatch handler must be an object');
  const h = handler as ControllerHandler & LegacyHandler;
  if (typeof h.onRequestStart === 'function') {
    if (typeof h.onResponseError !== 'function') throw new ClientError('ERR_INVALID_REQUEST', 'the dispatch handler has onRequestStart but no onResponseError method');
    if (upgrades && typeof h.onRequestUpgrade !== 'function') throw new ClientError('ERR_INVALID_REQUEST', 'an upgrade or CONNECT dispatch needs a handler with an onRequestUpgrade method');
    return h;
  }
  if (typeof h.onError !== 'function') throw new ClientError('ERR_INVALID_REQUEST', 'the dispatch handler has neither onRequestStart/onResponseError nor onConnect/onError methods');
  if (upgrades && typeof h.onUpgrade !== 'function') throw new ClientError('ERR_INVALID_REQUEST', 'an upgrade or CONNECT dispatch needs a handler with an onUpgrade method');
  return new LegacyAdapter(h);
}
