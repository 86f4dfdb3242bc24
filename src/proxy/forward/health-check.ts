import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';
import { connectViaProxy } from '../../net/proxy-connect';
import { redactProxyUrl } from '../../net/redact';
import type { Logger } from '../../obs/logger';
import { urlTarget } from '../request-target';
import type { ForwardProxyConfig } from './config';
import type { UpstreamPool } from './upstream-pool';

/** Resolves when `socket` yields an HTTP status line, rejects otherwise. */
function statusLine(socket: Socket, request: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = '';
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(got)) resolve();
      else if (got.length >= 12) reject(new Error('not an HTTP answer'));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before an answer')));
    socket.resume();
    socket.write(request);
  });
}

/**
 * Optional active checks: every interval, a HEAD request to the configured
 * URL through each enabled upstream. A pass clears the upstream's failures
 * (ending a rest early); a failure counts like a failed tunnel.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Socket>();

  constructor(
    private readonly pool: UpstreamPool,
    private readonly logger: Logger,
  ) {}

  private upstreamTls: ForwardProxyConfig['upstreamTls'] = { rejectUnauthorized: true };

  start(config: ForwardProxyConfig): void {
    this.stop();
    this.upstreamTls = config.upstreamTls;
    const check = config.health.check;
    if (!check || this.pool.direct) return;
    this.timer = setInterval(() => void this.round(check.url, check.timeoutMs), check.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const socket of this.inFlight) socket.destroy();
  }

  /** One check of every enabled upstream; resolves when all are done. */
  async round(url: URL, timeoutMs: number): Promise<void> {
    await Promise.all(
      this.pool.upstreams
        .filter((u) => u.enabled)
        .map(async (upstream) => {
          const opened: Socket[] = [];
          const timer = setTimeout(() => opened.at(-1)?.destroy(new Error('check timed out')), timeoutMs);
          try {
            let socket = await connectViaProxy(upstream.url, urlTarget(url), { timeout: timeoutMs, proxyTls: this.upstreamTls });
            opened.push(socket);
            this.inFlight.add(socket);
            if (url.protocol === 'https:') {
              // The check is about the path through the upstream, not the target's certificate.
              socket = tls.connect({ socket, ...(isIP(url.hostname) ? {} : { servername: url.hostname }), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
              opened.push(socket);
            }
            await statusLine(socket, `HEAD ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
            this.pool.recordSuccess(upstream);
          } catch (error) {
            const rest = this.pool.recordFailure(upstream);
            this.logger.warn(
              { upstream: redactProxyUrl(upstream.url), restMs: rest },
              `proxy: health check failed: ${error instanceof Error ? error.message : String(error)}`,
            );
          } finally {
            clearTimeout(timer);
            for (const socket of opened) {
              socket.destroy();
              this.inFlight.delete(socket);
            }
          }
        }),
    );
  }
}
