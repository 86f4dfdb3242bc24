import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { DispatchController } from '../client/dispatch-handler';
import type { WarcDispatchOptions } from '../client/dispatch-options';
import { DiscardedError } from '../client/errors';
import type { WrittenExchange } from '../client/pending-write';
import type { Logger } from '../obs/logger';
import { endToEndRawHeaders } from '../proxy/hop-headers';
import type { ExchangeTarget } from './target';
import { rawHeaderStrings, upstreamRequestHeaders } from './raw-headers';
import type { ExchangeEnd } from './stats';
import { reportUpstreamFailure } from './upstream-failure';

/** Body bytes of one exchange, as relayed. */
export interface RelayedBytes {
  up: number;
  down: number;
}

export interface RelayHooks {
  logger: Logger;
  /** Runs once per exchange, when it is written or known not to be. */
  ended(end: ExchangeEnd, bytes: RelayedBytes): void;
  /** The exchange's settling, for close() to wait on. */
  track(settled: Promise<void>): void;
}

/** Whether a request has a body to send (Node has already removed the chunked framing). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/** The request body as undici reads it (pulling, so backpressure holds), its bytes counted on the way. */
async function* counted(req: IncomingMessage, bytes: RelayedBytes): AsyncGenerator<Buffer> {
  for await (const chunk of req) {
    bytes.up += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/** Hands a response chunk to the browser side; a full buffer there pauses the upstream read until it drains. */
export function passChunk(controller: DispatchController, chunk: Buffer, sink: Writable, bytes: RelayedBytes): void {
  bytes.down += chunk.length;
  if (!sink.write(chunk)) {
    controller.pause();
    sink.once('drain', () => controller.resume());
  }
}

/** The `warcwire` dispatch option of one exchange: its dedupe bucket, and the tally when it is written (or not). */
export function exchangeOptions(target: ExchangeTarget, bytes: RelayedBytes, hooks: RelayHooks): WarcDispatchOptions {
  const settle = (written: Promise<WrittenExchange>): void =>
    hooks.track(
      written.then(
        (w) => hooks.ended({ kind: 'recorded', revisit: w.revisit === true }, bytes),
        (error: unknown) => hooks.ended(error instanceof DiscardedError ? { kind: 'discarded' } : { kind: 'failed' }, bytes),
      ),
    );
  return { ...(target.meta.dedupeBucket !== undefined ? { dedupeBucket: target.meta.dedupeBucket } : {}), onWritten: settle };
}

/**
 * Sends one browser request upstream through the target's WarcClient and
 * relays the answer: status, status text and end-to-end headers as the origin
 * sent them (Node re-frames the body for the browser), body chunks as they come,
 * with backpressure both ways. The capture records what went over the upstream
 * connection; nothing here touches the bytes. A failure before the response head
 * becomes a 502 (504 for a timeout) naming the cause.
 */
export function relayExchange(req: IncomingMessage, res: ServerResponse, target: ExchangeTarget, hooks: RelayHooks): void {
  const bytes: RelayedBytes = { up: 0, down: 0 };
  const body = hasRequestBody(req) ? counted(req, bytes) : null;
  // The browser sees the origin's headers only: no Date of our own.
  res.sendDate = false;
  let controller: DispatchController | undefined;
  res.once('close', () => {
    if (!res.writableFinished) controller?.abort(new Error('the browser closed the connection before the response ended'));
  });
  const handler = {
    onRequestStart(c: DispatchController): void {
      controller = c;
      if (res.destroyed) c.abort(new Error('the browser closed the connection before the request was sent'));
    },
    onResponseStart(c: DispatchController, status: number, _headers: unknown, statusMessage?: string): void {
      try {
        res.writeHead(status, statusMessage, endToEndRawHeaders(rawHeaderStrings(c.rawHeaders)));
      } catch (error) {
        // A header Node will not send on (e.g. a character it refuses): the browser gets a 502.
        c.abort(error instanceof Error ? error : new Error(String(error)));
      }
    },
    onResponseData(c: DispatchController, chunk: Buffer): void {
      passChunk(c, chunk, res, bytes);
    },
    onResponseEnd(): void {
      res.end();
    },
    onResponseError(_c: DispatchController | null, error: Error): void {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const failure = reportUpstreamFailure(error, target, hooks.logger);
      const text = `${failure.text}\n`;
      res.writeHead(failure.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    },
  };
  target.client.dispatcher.dispatch(
    {
      origin: target.origin,
      path: target.path,
      method: req.method ?? 'GET',
      headers: upstreamRequestHeaders(req.rawHeaders),
      body,
      warcwire: exchangeOptions(target, bytes, hooks),
    } as Dispatcher.DispatchOptions,
    handler as Dispatcher.DispatchHandler,
  );
}
