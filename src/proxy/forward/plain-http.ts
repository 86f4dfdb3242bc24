import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { endToEndHeaders } from '../hop-headers';
import { parseAbsoluteHttpUrl, urlTarget } from '../request-target';
import { TAG_HEADER } from './auth';
import { openRoute, RouteFailure, type RouteContext } from './route';
import type { ScopeStats } from './scope-stats';

function answer(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${status} ${http.STATUS_CODES[status] ?? ''}: ${message}\n`);
}

/**
 * Forwards one absolute-form request (`GET http://host/path`) through a
 * route, in origin-form, with hop-by-hop headers and the tag header removed.
 * Every request gets its own route (no pooling: each may go elsewhere).
 */
export async function forwardPlainRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
  overall: ScopeStats,
  tag: string | undefined,
): Promise<void> {
  const url = parseAbsoluteHttpUrl(req.url);
  if (!url) return answer(res, 400, 'expected an absolute http:// URL');
  const started = performance.now();
  let route;
  try {
    route = await openRoute(context, urlTarget(url), tag, res);
  } catch (error) {
    if (error instanceof RouteFailure && error.aborted) return;
    overall.failed();
    if (error instanceof RouteFailure) context.logger.info({ target: url.host, status: error.status }, `proxy: ${error.message}`);
    return answer(res, error instanceof RouteFailure ? error.status : 502, 'no route to the target');
  }
  const socket = route.socket;
  const scopes = [overall, ...route.scopes];
  overall.succeeded(performance.now() - started);
  for (const scope of scopes) scope.opened();
  socket.once('close', () => {
    for (const scope of scopes) {
      scope.bytes(socket.bytesWritten, socket.bytesRead);
      scope.closed();
    }
  });
  if (res.destroyed) return void socket.destroy();
  socket.setTimeout(context.idleTimeoutMs, () => socket.destroy());
  const outbound = http.request({
    method: req.method,
    path: `${url.pathname}${url.search}`,
    headers: { ...endToEndHeaders(req.headers, [TAG_HEADER]), host: url.host },
    createConnection: () => socket,
  });
  // A tunnel comes back paused; resume once the HTTP client listens to it.
  outbound.once('socket', () => socket.resume());
  outbound.on('error', () => answer(res, 502, 'the target failed'));
  outbound.on('response', (inbound) => {
    res.writeHead(inbound.statusCode ?? 502, inbound.statusMessage, endToEndHeaders(inbound.headers));
    inbound.pipe(res);
    inbound.on('error', () => res.destroy());
  });
  res.once('close', () => {
    if (!res.writableFinished) outbound.destroy();
    socket.destroy();
  });
  req.pipe(outbound);
}
