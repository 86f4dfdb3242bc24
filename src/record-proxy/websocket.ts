import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { DispatchController } from '../client/dispatch-handler';
import { endToEndRawHeaders } from '../proxy/hop-headers';
import { endWithStatus } from '../proxy/raw-response';
import type { ExchangeTarget } from './target';
import { rawHeaderStrings, upstreamRequestHeaders } from './raw-headers';
import { ExchangeTally, type RelayHooks } from './exchange-tally';
import { passChunk } from './relay';
import { reportUpstreamFailure } from './upstream-failure';

function headText(status: number, statusMessage: string | undefined, raw: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${statusMessage ?? STATUS_CODES[status] ?? ''}\r\n`;
  for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/**
 * Joins two streams both ways; either one ending or failing closes both. The browser's
 * socket is half-open capable (the front server allows it), and so may the origin's be:
 * a side's end is passed on, and once written both close, else a browser gone from a
 * silent WebSocket would leave both connections open for good.
 */
function join(a: Duplex, b: Duplex): void {
  const closeBoth = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.once('close', () => to.destroy());
    from.on('error', () => from.destroy());
    from.once('end', () => to.end(closeBoth));
    from.pipe(to);
  }
}

/**
 * A browser's Upgrade request (WebSocket): sent upstream through the client
 * (which records the request and the 101 head as a pair); on 101 the head goes
 * to the browser as the origin sent it and the two connections are joined,
 * frames passing through unrecorded. Any other answer is relayed as an
 * ordinary response on a connection that then closes.
 */
export function relayUpgrade(req: IncomingMessage, browser: Socket, head: Buffer, target: ExchangeTarget, hooks: RelayHooks & { upgraded(): void }): void {
  const tally = new ExchangeTally(hooks, target.meta.dedupeBucket);
  let answered = false;
  let controller: DispatchController | undefined;
  // Over at the 101 (frames are not the exchange's), or when an ordinary answer or the browser's connection ends.
  browser.once('close', () => {
    tally.relayEnded();
    if (!answered) controller?.abort(new Error('the browser closed the connection before the upgrade was answered'));
  });
  const handler = {
    onRequestStart(c: DispatchController): void {
      controller = c;
      if (browser.destroyed) c.abort(new Error('the browser closed the connection before the request was sent'));
    },
    onRequestUpgrade(c: DispatchController, status: number, _headers: unknown, upstream: Duplex): void {
      answered = true;
      tally.relayEnded();
      hooks.upgraded();
      browser.write(headText(status, undefined, rawHeaderStrings(c.rawHeaders)));
      if (head.length > 0) upstream.write(head);
      join(browser, upstream);
    },
    onResponseStart(c: DispatchController, status: number, _headers: unknown, statusMessage?: string): void {
      if (status < 200) return; // an informational head (103) before the answer: recorded, not relayed, as in relay.ts
      answered = true;
      const raw = [...endToEndRawHeaders(rawHeaderStrings(c.rawHeaders)), 'Connection', 'close'];
      browser.write(headText(status, statusMessage, raw));
    },
    onResponseData(c: DispatchController, chunk: Buffer): void {
      passChunk(c, chunk, browser, tally.bytes);
    },
    onResponseEnd(): void {
      browser.end();
    },
    onResponseError(_c: DispatchController | null, error: Error): void {
      if (answered) return void browser.destroy();
      const failure = reportUpstreamFailure(error, target, hooks.logger);
      endWithStatus(browser, failure.status, {}, `${failure.text}\n`);
    },
  };
  target.client.dispatcher.dispatch(
    {
      origin: target.origin,
      path: target.path,
      method: req.method ?? 'GET',
      headers: upstreamRequestHeaders(req.rawHeaders, target.hostFromOrigin),
      upgrade: req.headers.upgrade ?? 'websocket',
      body: null,
      warcwire: tally.dispatchOptions(),
    } as Dispatcher.DispatchOptions,
    handler as Dispatcher.DispatchHandler,
  );
}
