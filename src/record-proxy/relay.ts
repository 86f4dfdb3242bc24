import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { DispatchController } from '../client/dispatch-handler';
import { callerError } from '../client/errors';
import { endToEndRawHeaders } from '../proxy/hop-headers';
import type { ExchangeTarget } from './target';
import { rawHeaderStrings, upstreamRequestHeaders } from './raw-headers';
import { ExchangeTally, type RelayedBytes, type RelayHooks } from './exchange-tally';
import { reportUpstreamFailure } from './upstream-failure';

/** Whether a request has a body to send (Node has already removed the chunked framing). */
function hasRequestBody(req: IncomingMessage): boolean {
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

/** Methods a request of which may be sent again unchanged (RFC 9110 §9.2.2); only bodiless ones are retried here. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * Whether a failed attempt is the keep-alive race (RFC 9112 §9.3.1): the origin closed the connection as
 * the request went out, before the head of an answer. A browser talking to the origin itself sends such a
 * request again on a new connection; through us it would get our 502, so we send it again once.
 */
function closedBeforeAnswer(error: Error, answered: boolean): boolean {
  return !answered && (callerError(error) as { code?: unknown }).code === 'ERR_CONNECTION_CLOSED';
}

/**
 * Sends one browser request upstream through the target's WarcClient and
 * relays the answer: status, status text and end-to-end headers as the origin
 * sent them (Node re-frames the body for the browser), body chunks as they come,
 * with backpressure both ways. The capture records what went over the upstream
 * connection; nothing here touches the bytes. A failure before the response head
 * becomes a 502 (504 for a timeout) naming the cause, except that a bodiless
 * idempotent request whose connection closed before any answer is sent once more.
 */
export function relayExchange(req: IncomingMessage, res: ServerResponse, target: ExchangeTarget, hooks: RelayHooks): void {
  const tally = new ExchangeTally(hooks, target.meta.dedupeBucket);
  const bytes = tally.bytes;
  const body = hasRequestBody(req) ? counted(req, bytes) : null;
  const method = req.method ?? 'GET';
  let retries = body === null && IDEMPOTENT.has(method) ? 1 : 0;
  // The browser sees the origin's headers only: no Date of our own.
  res.sendDate = false;
  let controller: DispatchController | undefined;
  // 'close' comes after the last byte went out, or when the browser went away: the relay is over either way.
  res.once('close', () => {
    tally.relayEnded();
    if (!res.writableFinished) controller?.abort(new Error('the browser closed the connection before the response ended'));
  });
  const send = (): void => {
    /** A head (interim or final) of this attempt arrived: it is answered, and never sent again. */
    let answered = false;
    const handler = {
      onRequestStart(c: DispatchController): void {
        controller = c;
        if (res.destroyed) c.abort(new Error('the browser closed the connection before the request was sent'));
      },
      onResponseStart(c: DispatchController, status: number, _headers: unknown, statusMessage?: string): void {
        answered = true;
        // An interim head (103 Early Hints, 102): undici reports the final one next. It is recorded with
        // the response; the browser is sent the final head only, as writeHead can be called once.
        if (status < 200) return;
        try {
          res.writeHead(status, statusMessage, endToEndRawHeaders(rawHeaderStrings(c.rawHeaders)));
          // Sent now, as the origin's came: Node would hold it for the first body byte, and an origin that
          // fails before one left the browser with nothing, which it retries as if never answered.
          res.flushHeaders();
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
        if (retries > 0 && closedBeforeAnswer(error, answered)) {
          retries -= 1;
          // Not from inside undici's error callback: the next turn dispatches afresh.
          setImmediate(send);
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
        method,
        headers: upstreamRequestHeaders(req.rawHeaders, target.hostFromOrigin),
        body,
        warcwire: tally.dispatchOptions(),
      } as Dispatcher.DispatchOptions,
      handler as Dispatcher.DispatchHandler,
    );
  };
  send();
}
