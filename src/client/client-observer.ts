import type { CapturedExchange } from '../capture/exchange';
import { ProxyError } from '../net/errors';
import { LOG_EVENTS, logEvent } from '../obs/log-events';
import { silentLogger, type Logger } from '../obs/logger';
import { METRICS } from '../obs/metric-names';
import type { Counter, Gauge, MetricsRegistry } from '../obs/metrics';
import type { WrittenRecord } from '../warc/write/writer';
import { errorKind } from './error-kind';

/** What the dispatcher knows once a connection to an origin is up. */
export interface ConnectedInfo {
  host: string;
  port: number;
  https: boolean;
  proxy?: string;
  remoteAddress?: string;
  tlsProtocol?: string;
  cipher?: string;
}

interface ClientMetrics {
  requests: Counter;
  errors: Counter;
  bytesSent: Counter;
  bytesReceived: Counter;
  spoolRam: Gauge;
  spoolDisk: Gauge;
}

/** Spool bytes of one exchange handed to the recorder, frozen until its records are written or dropped. */
interface HeldBytes {
  ram: number;
  disk: number;
}

/** How often the spool gauges are refreshed while exchanges are being captured, ms. */
const SPOOL_SAMPLE_MS = 1000;

/**
 * Where the client reports what it does: the metrics of `obs/metric-names.ts`
 * (requests, errors by kind, bytes in/out, spool bytes; the writer counts
 * records and files itself) and the seeds' log events (`LOG_EVENTS`).
 * Without a registry only the logging remains.
 */
export class ClientObserver {
  private readonly metrics?: ClientMetrics;
  /** Exchanges still being captured (their spools are read only by the main thread here). */
  private readonly live = new Set<CapturedExchange<unknown>>();
  private readonly held = new Map<CapturedExchange<unknown>, HeldBytes>();
  private readonly knownFiles = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** No logger given: skip building log fields on the hot path. */
  private readonly quiet: boolean;

  constructor(
    private readonly logger: Logger = silentLogger,
    registry?: MetricsRegistry,
  ) {
    this.quiet = logger === silentLogger;
    if (registry !== undefined) {
      this.metrics = {
        requests: registry.counter(METRICS.requests),
        errors: registry.counter(METRICS.errors),
        bytesSent: registry.counter(METRICS.bytesSent),
        bytesReceived: registry.counter(METRICS.bytesReceived),
        spoolRam: registry.gauge(METRICS.spoolBytesRam),
        spoolDisk: registry.gauge(METRICS.spoolBytesDisk),
      };
    }
  }

  requestStarted(): void {
    this.metrics?.requests.inc();
  }

  /** A request failed for its caller (not counted when the caller itself aborted). */
  requestFailed(err: Error): void {
    this.metrics?.errors.inc({ kind: errorKind(err) });
  }

  connected(info: ConnectedInfo): void {
    if (this.quiet) return;
    logEvent(this.logger, LOG_EVENTS.connectionEstablished, {
      host: info.host,
      port: info.port,
      ...(info.proxy !== undefined ? { proxy: info.proxy } : {}),
      ...(info.remoteAddress !== undefined ? { address: info.remoteAddress } : {}),
    });
    if (info.https) {
      logEvent(this.logger, LOG_EVENTS.tlsEstablished, { host: info.host, port: info.port, protocol: info.tlsProtocol, cipher: info.cipher });
    }
  }

  /** Opening a connection failed: logged with the seeds' event for its cause. */
  connectFailed(host: string, port: number, err: Error): void {
    if (this.quiet) return;
    const code = (err as { code?: string }).code;
    const fields = { host, port, code, error: err.message };
    switch (errorKind(err)) {
      case 'dns':
        logEvent(this.logger, LOG_EVENTS.dnsFailed, fields);
        break;
      case 'proxy':
        logEvent(this.logger, LOG_EVENTS.proxyFailed, fields);
        break;
      case 'tls':
        logEvent(this.logger, LOG_EVENTS.tlsFailed, fields);
        break;
      default:
        logEvent(this.logger, err instanceof ProxyError ? LOG_EVENTS.proxyFailed : LOG_EVENTS.directFailed, fields);
    }
  }

  dnsArchived(host: string, rcode: string): void {
    if (this.quiet) return;
    logEvent(this.logger, LOG_EVENTS.dnsResolved, { host, rcode });
  }

  exchangeStarted(ex: CapturedExchange<unknown>): void {
    if (this.metrics === undefined) return;
    this.live.add(ex);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sampleSpools(), SPOOL_SAMPLE_MS);
      this.timer.unref();
    }
  }

  /** The capture is over; its spools now wait for the writer (or are about to be dropped). */
  exchangeCaptured(ex: CapturedExchange<unknown>): void {
    const m = this.metrics;
    if (m === undefined) return;
    this.live.delete(ex);
    const sent = ex.request.size;
    const received = ex.response?.size ?? 0;
    if (sent > 0) m.bytesSent.inc(undefined, sent);
    if (received > 0) m.bytesReceived.inc(undefined, received);
    const held: HeldBytes = { ram: 0, disk: 0 };
    held[ex.request.onDisk ? 'disk' : 'ram'] += sent;
    if (ex.response !== undefined) held[ex.response.onDisk ? 'disk' : 'ram'] += received;
    this.held.set(ex, held);
    this.sampleSpools();
  }

  /** The exchange's spools are released (records written, or nothing to write). */
  exchangeSettled(ex: CapturedExchange<unknown>): void {
    if (this.metrics === undefined) return;
    this.held.delete(ex);
    this.sampleSpools();
  }

  recordsWritten(records: readonly WrittenRecord[], url: string): void {
    if (this.quiet) return;
    for (const r of records) {
      if (!this.knownFiles.has(r.filename)) {
        this.knownFiles.add(r.filename);
        logEvent(this.logger, LOG_EVENTS.fileCreated, { file: r.filename });
      }
      logEvent(this.logger, LOG_EVENTS.recordWritten, { type: r.type, id: r.id, file: r.filename, offset: r.offset, url });
    }
  }

  writeFailed(err: Error, url: string): void {
    this.metrics?.errors.inc({ kind: 'write' });
    logEvent(this.logger, LOG_EVENTS.recordWriteFailed, { url, error: err.message, code: (err as { code?: string }).code });
  }

  discarded(url: string, status: number, reason: string): void {
    this.metrics?.errors.inc({ kind: 'discard_hook' });
    logEvent(this.logger, LOG_EVENTS.discardHookRejected, { url, status, reason });
  }

  writerClosed(files: readonly string[]): void {
    logEvent(this.logger, LOG_EVENTS.writerShutdown, { files: files.length });
  }

  /** Stops the sampler; the gauges end at what is still held (0 after a clean close). */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.sampleSpools();
  }

  private sampleSpools(): void {
    const m = this.metrics;
    if (m === undefined) return;
    let ram = 0;
    let disk = 0;
    for (const ex of this.live) {
      const parts = ex.response === undefined ? [ex.request] : [ex.request, ex.response];
      for (const s of parts) {
        if (s.onDisk) disk += s.size;
        else ram += s.size;
      }
    }
    for (const h of this.held.values()) {
      ram += h.ram;
      disk += h.disk;
    }
    m.spoolRam.set(ram);
    m.spoolDisk.set(disk);
  }
}
