/**
 * GET with a hard deadline for the remote dedupe services. Its own undici Agent, so
 * close() really closes the sockets, and every failure becomes a LookupFailure with a
 * reason the chain can count.
 */
import { Agent, request } from 'undici';
import { LookupFailure } from './errors';

/** Bodies bigger than this are not an answer we can use (a CDX timemap lists every capture of a URL). */
export const MAX_TIMEMAP_BYTES = 8 * 1024 * 1024;
/** A Doppelganger answer is one record: a few hundred bytes. */
export const MAX_RECORD_ANSWER_BYTES = 64 * 1024;

export interface LookupResponse {
  status: number;
  body: string;
}

export class HttpLookup {
  private readonly agent: Agent;

  /** `maxBody`: longest answer read; each lookup in flight may hold that much (twice, as bytes then text). */
  constructor(
    private readonly timeoutMs: number,
    private readonly maxBody: number,
  ) {
    this.agent = new Agent({ connect: { timeout: timeoutMs }, keepAliveTimeout: 10_000 });
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LookupResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await request(url, { method: 'GET', headers, dispatcher: this.agent, signal: controller.signal });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBody) {
          res.body.destroy();
          throw new LookupFailure('bad_response', `answer from ${url} is larger than ${this.maxBody} bytes`);
        }
        chunks.push(chunk);
      }
      return { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      if (err instanceof LookupFailure) throw err;
      if (controller.signal.aborted) throw new LookupFailure('timeout', `no answer from ${url} within ${this.timeoutMs} ms`, { cause: err });
      const code = (err as { code?: string }).code;
      throw new LookupFailure(code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'network', `GET ${url} failed: ${code ?? String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `HEAD url` within the timeout: the status, whatever it is. For ping(): a service
   * that answers at all is reachable, even if its base URL is not an API route.
   */
  async head(url: string): Promise<number> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await request(url, { method: 'HEAD', dispatcher: this.agent, signal: controller.signal });
      await res.body.dump();
      return res.statusCode;
    } catch (err) {
      if (controller.signal.aborted) throw new LookupFailure('timeout', `no answer from ${url} within ${this.timeoutMs} ms`, { cause: err });
      const code = (err as { code?: string }).code;
      throw new LookupFailure(code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'network', `HEAD ${url} failed: ${code ?? String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
