import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { loadBackend } from '../backend/index';
import type { Backend } from '../backend/types';
import { DEFAULT_CLIENT, DEFAULT_DIGEST_ALGORITHM, defaultDigestEncoding } from '../defaults';
import { makeDirectory } from '../make-directory';
import { Dialer } from '../net/dialer';
import { silentLogger, type Logger } from '../obs/logger';
import { WarcWriter } from '../warc/write/writer';
import { ClientAgents, type AgentPair } from './agent/client-agents';
import type { AgentOptions } from './agent/agent-options';
import type { CapturingHttpAgent, CapturingHttpsAgent } from './agent/capturing-agents';
import type { CaptureCore } from './captured-connection';
import { CapturingDispatcher, type TrackedRequest } from './capturing-dispatcher';
import { ClientObserver } from './client-observer';
import { ControlledDispatcher } from './controlled-dispatcher';
import { decodedBody } from './decoded-body';
import { checkDispatchOptions, type WarcDispatchOptions } from './dispatch-options';
import { DnsArchive } from './dns-archive';
import { ClientError, fetchError } from './errors';
import { ExchangeRecorder, type RecorderStats } from './recorder';
import { PendingWrite } from './pending-write';
import { checkRequestControls, type RequestControls } from './request-controls';
import { undici } from './undici';
import { WarcResponse, type RedirectHop } from './response';
import { DEFAULT_USER_AGENT } from './user-agent';
import { checkSettings, resolveTimeouts, type WarcClientSettings } from './settings';

/** Per-call options; the RequestControls fields (proxy, tls, localAddress, maxResponseBytes, afterAbort, dedupeBucket) apply to every hop. */
export interface FetchInit extends RequestControls {
  method?: string;
  headers?: Record<string, string> | ReadonlyArray<readonly [string, string]> | Headers;
  body?: string | Uint8Array | null;
  /**
   * Aborts the call. Before the response head arrives the request is really aborted
   * (nothing is written; `written` rejects). After it, the abort is treated like
   * cancelling the body: the caller's stream fails with the abort reason at once, and
   * `afterAbort` decides the capture: 'stop' (the default) closes the connection and
   * records what arrived, `WARC-Truncated: length`; 'finish' reads the response to its
   * end for the archive (up to `maxResponseBytes`; `timeouts.request` still applies).
   * Either way `written` resolves with the pair. To stop every transfer (shutdown),
   * use `client.abort()` or `close({ graceMs })`.
   */
  signal?: AbortSignal;
  /** Overrides the client's followRedirects for this call. */
  followRedirects?: boolean;
  /** Overrides the client's decompressBody for this call. */
  decompressBody?: boolean;
  /** Overrides timeouts.request (ms, 0 for none) for each hop of this call. */
  timeout?: number;
  /**
   * Proxy type wanted for this call's connections ('any', 'mobile', 'residential',
   * 'datacenter'). Absent: only proxies of type 'any' are eligible; 'any': every proxy.
   */
  proxyType?: string;
}

/** What happened so far: the exchanges (see RecorderStats) and the DNS records archived. */
export interface ClientStats extends RecorderStats {
  /** DNS resolutions written as `resource` records. */
  dnsRecords: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** An absolute http(s) URL, or ClientError ERR_UNSUPPORTED_URL. */
function httpUrl(url: string | URL, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch (err) {
    throw new ClientError('ERR_UNSUPPORTED_URL', `not a valid absolute URL: ${JSON.stringify(String(url))}`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ClientError('ERR_UNSUPPORTED_URL', `only http: and https: URLs can be fetched, got ${parsed.protocol} (${parsed.href})`);
  }
  return parsed;
}

/** Creates the output directory and checks the backend can write the compression chosen. */
async function prepareOutput(writer: WarcClientSettings['writer'], backend: Backend): Promise<void> {
  try {
    await makeDirectory(writer.directory);
    if (!(await stat(writer.directory)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    const why = (err as { code?: string }).code === 'EEXIST' || (err as Error).message === 'not a directory' ? 'it exists and is not a directory' : (err as Error).message;
    throw new ClientError('ERR_OUTPUT_DIRECTORY', `settings.writer.directory ${JSON.stringify(writer.directory)} cannot be used: ${why}`, { cause: err });
  }
  if (writer.compression === 'zstd') {
    // The js backend on a Node without zlib zstd throws ERR_ZSTD_UNAVAILABLE here.
    const probe = backend.createMemberEncoder({ compression: 'zstd', ...(writer.level !== undefined ? { level: writer.level } : {}) });
    try {
      await probe.encode([Buffer.from('probe')]);
    } finally {
      probe.close();
    }
  }
}

/** Hands every dispatch of one fetch() hop to the capturing dispatcher as that hop's tracked request. */
class HopDispatcher extends undici.Dispatcher {
  constructor(
    private readonly target: CapturingDispatcher,
    private readonly tracked: TrackedRequest,
  ) {
    super();
  }
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.target.dispatchTracked(opts, handler, this.tracked);
  }
  override async close(): Promise<void> {}
  override async destroy(): Promise<void> {}
}

/** Reads a redirect's body to its end; past `limit` bytes the capture keeps no more, so it stops there (`WARC-Truncated: length`). */
async function readRedirectBody(body: Readable, limit: number): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += (chunk as Buffer).length;
    if (read > limit) {
      body.on('error', () => undefined);
      body.destroy();
      return;
    }
  }
}

function headerPairs(h: FetchInit['headers']): Array<[string, string]> {
  if (h === undefined) return [];
  if (h instanceof Headers) return [...h.entries()];
  if (Array.isArray(h)) return h.map(([k, v]) => [k, v] as [string, string]);
  return Object.entries(h as Record<string, string>);
}

/**
 * The capturing HTTP client: every exchange it makes is written to WARC files
 * as a response/request record pair, while callers get ordinary responses.
 */
export class WarcClient {
  /** An undici Dispatcher: `undici.request(url, { dispatcher })` and undici's fetch record too. */
  readonly dispatcher: CapturingDispatcher;
  private readonly agentSet: ClientAgents;
  private closing: Promise<void> | undefined;
  private aborted = false;

  private constructor(
    private readonly settings: WarcClientSettings,
    readonly writer: WarcWriter,
    private readonly dialer: Dialer,
    private readonly recorder: ExchangeRecorder,
    private readonly observer: ClientObserver,
    private readonly dns: DnsArchive,
    backend: Backend,
  ) {
    const core: CaptureCore = {
      dialer,
      backend,
      digestAlgorithm: settings.digestAlgorithm ?? DEFAULT_DIGEST_ALGORITHM,
      spool: {
        ...(settings.spoolMemoryLimit !== undefined ? { memoryLimit: settings.spoolMemoryLimit } : {}),
        ...(settings.spoolTempDir !== undefined ? { tempDir: settings.spoolTempDir } : {}),
        ...(settings.fullOnDisk !== undefined ? { fullOnDisk: settings.fullOnDisk } : {}),
      },
      maxResponseBytes: settings.maxResponseBytes ?? DEFAULT_CLIENT.maxResponseBytes,
      timeouts: resolveTimeouts(settings.timeouts),
      onOutcome: (outcome) => recorder.record(outcome),
      observer,
    };
    const userAgent = settings.userAgent === false ? undefined : (settings.userAgent ?? DEFAULT_USER_AGENT);
    const keepAliveTimeout = settings.keepAliveTimeout ?? DEFAULT_CLIENT.keepAliveTimeout;
    this.dispatcher = new CapturingDispatcher({
      ...core,
      afterAbort: settings.afterAbort ?? DEFAULT_CLIENT.afterAbort,
      connectionsPerOrigin: settings.connectionsPerOrigin ?? DEFAULT_CLIENT.connectionsPerOrigin,
      keepAliveTimeout,
      userAgent,
    });
    this.agentSet = new ClientAgents(core, userAgent, keepAliveTimeout);
  }

  /** An http.Agent that records (node:http, got, axios, node-fetch); keep-alive, the client's settings. */
  get httpAgent(): CapturingHttpAgent {
    return this.agentSet.defaults.http;
  }

  /** The https.Agent twin of httpAgent (TLS from the client's `tls` settings). */
  get httpsAgent(): CapturingHttpsAgent {
    return this.agentSet.defaults.https;
  }

  /**
   * A new http and https agent pair bound to `options`: request controls (proxy,
   * tls.verify, localAddress, maxResponseBytes), node's pool options, and
   * `onWritten`. Each pair has its own connections (one pair per crawler session).
   */
  agents(options: AgentOptions = {}): AgentPair {
    return this.agentSet.pair(options, 'agents()');
  }

  /**
   * Checks every setting (ClientError ERR_INVALID_SETTING naming the field),
   * creates the output directory (recursively; ERR_OUTPUT_DIRECTORY when it
   * cannot be) and makes sure the backend can write the chosen compression
   * (BackendError ERR_ZSTD_UNAVAILABLE for zstd on the js backend of a Node
   * without zlib zstd), so that a bad setup fails here, not at the first write.
   */
  static async create(settings: WarcClientSettings): Promise<WarcClient> {
    checkSettings(settings);
    const backend = settings.backend ?? loadBackend();
    await prepareOutput(settings.writer, backend);
    const logger: Logger = settings.logger ?? silentLogger;
    const algorithm = settings.digestAlgorithm ?? DEFAULT_DIGEST_ALGORITHM;
    const writer = new WarcWriter({
      ...settings.writer,
      digestAlgorithm: algorithm,
      backend,
      ...(settings.logger ? { logger: settings.logger } : {}),
      ...(settings.metrics ? { metrics: settings.metrics } : {}),
    });
    const observer = new ClientObserver(logger, settings.metrics);
    const dns = new DnsArchive(writer, observer);
    const userDnsHook = settings.dialer?.onDnsRecord;
    const timeouts = resolveTimeouts(settings.timeouts);
    const dialer = new Dialer({
      ...settings.dialer,
      onDnsRecord: (capture) => {
        if (settings.archiveDns ?? DEFAULT_CLIENT.archiveDns) dns.archive(capture);
        userDnsHook?.(capture);
      },
      tls: { ...settings.tls, handshakeTimeout: timeouts.tlsHandshake },
      connectTimeout: timeouts.dial,
      logger,
      ...(settings.metrics ? { metrics: settings.metrics } : {}),
    });
    const encoding = settings.writer.digestEncoding ?? defaultDigestEncoding(algorithm);
    const recorder = new ExchangeRecorder(writer, encoding, logger, settings.discardHook, settings.dedupe, observer);
    return new WarcClient(settings, writer, dialer, recorder, observer, dns, backend);
  }

  /**
   * A Dispatcher that records through this client with `options` on every request:
   * for callers that cannot pass the per-dispatch `warcwire` option (undici's fetch).
   * Closing it does nothing; close the client. Bad options: ClientError ERR_INVALID_SETTING.
   */
  dispatcherWith(options: WarcDispatchOptions): Dispatcher {
    return new ControlledDispatcher(this.dispatcher, checkDispatchOptions(options, 'dispatcherWith()'));
  }

  /** What happened to the exchanges so far. */
  get stats(): Readonly<ClientStats> {
    return { ...this.recorder.stats, dnsRecords: this.dns.written };
  }

  async fetch(url: string | URL, init: FetchInit = {}): Promise<WarcResponse> {
    try {
      return await this.fetchHops(url, init);
    } catch (err) {
      throw fetchError(err, init.signal);
    }
  }

  private async fetchHops(url: string | URL, init: FetchInit): Promise<WarcResponse> {
    if (this.closing) throw new ClientError('ERR_CLIENT_CLOSED', 'fetch() after close()');
    let current = httpUrl(url);
    if (init.timeout !== undefined && !(Number.isFinite(init.timeout) && init.timeout >= 0)) {
      throw new ClientError('ERR_INVALID_SETTING', `timeout must be a non-negative number of ms, got ${String(init.timeout)}`);
    }
    const controls = checkRequestControls(init, 'fetch()');
    const maxResponseBytes = controls.maxResponseBytes ?? this.settings.maxResponseBytes ?? DEFAULT_CLIENT.maxResponseBytes;
    const follow = init.followRedirects ?? this.settings.followRedirects ?? DEFAULT_CLIENT.followRedirects;
    const maxRedirects = this.settings.maxRedirects ?? DEFAULT_CLIENT.maxRedirects;
    const hops: RedirectHop[] = [];
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? null;
    const headers = headerPairs(init.headers);
    for (;;) {
      const pending = new PendingWrite(controls);
      const res = await undici.request(current, {
        dispatcher: new HopDispatcher(this.dispatcher, {
          pending,
          controls,
          ...(init.timeout !== undefined ? { requestTimeout: init.timeout } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        }),
        method: method as Dispatcher.HttpMethod,
        headers: headers.flat(),
        body,
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const location = res.headers.location;
      if (follow && REDIRECTS.has(res.statusCode) && typeof location === 'string') {
        hops.push({ url: current.href, status: res.statusCode, written: pending.written });
        // Read to its end, so the hop's record is whole whatever afterAbort says.
        await readRedirectBody(res.body, maxResponseBytes);
        if (hops.length > maxRedirects) {
          throw new ClientError('ERR_TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects, last to ${location}`);
        }
        current = httpUrl(location, current);
        if (res.statusCode === 303 ? method !== 'HEAD' : (res.statusCode === 301 || res.statusCode === 302) && method === 'POST') {
          method = 'GET';
          body = null;
        }
        continue;
      }
      const responseHeaders = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const item of v) responseHeaders.append(k, item);
        else if (v !== undefined) responseHeaders.append(k, v);
      }
      const decompress = (init.decompressBody ?? this.settings.decompressBody ?? DEFAULT_CLIENT.decompressBody) && method !== 'HEAD';
      const stream = decompress ? decodedBody(res.body, responseHeaders.get('content-encoding'), current.href).stream : res.body;
      return new WarcResponse(current.href, res.statusCode, res.statusText ?? '', responseHeaders, stream, pending.written, hops, this.settings.maxBufferedBodyBytes ?? DEFAULT_CLIENT.maxBufferedBodyBytes, pending.connection?.remoteAddress);
    }
  }

  /**
   * Cuts every running request short (for a shutdown that cannot wait): their
   * connections are destroyed, the callers get ClientError ERR_ABORTED, and each
   * exchange has the outcome of a connection closed mid-response: a pair whose
   * response head arrived is recorded with `WARC-Truncated`, one without a
   * response is not written (`written` rejects). New requests are refused.
   * Call close() afterwards to write what remains and close the files.
   */
  async abort(): Promise<void> {
    this.aborted = true;
    this.agentSet.destroy();
    await this.dispatcher.destroy();
  }

  /**
   * Waits for running requests (also those made before it and still queued for a
   * connection) and pending writes, then closes the connections
   * and the WARC files (renamed from `.open`). With `graceMs`, requests still
   * running after that many ms are cut short as by abort().
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    const grace = options.graceMs;
    this.closing ??= (async () => {
      const timer = grace === undefined ? undefined : setTimeout(() => void this.abort(), grace);
      try {
        await Promise.all([this.dispatcher.close(), this.agentSet.close()]);
      } catch (err) {
        // undici rejects a close() that a destroy() overtook; after abort() that is expected.
        if (!this.aborted) throw err;
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
      await this.recorder.drain();
      // No request runs now, so no new DNS answers: close the resolver, then write what it reported.
      await this.dialer.close();
      await this.dns.drain();
      try {
        await this.writer.close();
      } finally {
        this.observer.writerClosed(this.writer.filenames);
        this.observer.close();
      }
    })();
    return this.closing;
  }
}
