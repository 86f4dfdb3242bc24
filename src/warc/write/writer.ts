/**
 * WarcWriter: a pool of WARC files written through the backend's RecordSink.
 * Each batch goes whole to one file (rotating first when it would pass
 * maxFileSize); write() resolves with where every record landed. A batch
 * lands whole or not at all: when a write fails, the file is cut back to the
 * last batch that landed whole and left `.open` (see WarcFile.abandon()).
 */
import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { Backend, DigestAlgorithm, DigestEncoding } from '../../backend/types';
import { DEFAULT_DIGEST_ALGORITHM, DEFAULT_WRITER, defaultDigestEncoding } from '../../defaults';
import { silentLogger, type Logger } from '../../obs/logger';
import { METRICS } from '../../obs/metric-names';
import type { Counter, Gauge, MetricsRegistry } from '../../obs/metrics';
import { defaultBackend } from '../backend';
import { digestBlock } from './block-digest';
import { dictionaryPreamble, rawDictionary } from '../dictionary';
import { WarcError } from '../errors';
import { findField, insertKnownField, recordFields, serializeHeader } from '../header';
import type { WarcRecord, WarcRecordType } from '../record';
import { closeBlock, plainSize, WarcFile, type PreparedRecord, type WarcFileConfig, type WrittenRecord } from './warc-file';
import { buildWarcinfo } from './warcinfo';

export type { WrittenRecord } from './warc-file';

export interface WarcWriterOptions {
  directory: string;
  /** File name prefix. Default `WARC`. */
  prefix?: string;
  /** Default gzip. */
  compression?: 'gzip' | 'zstd' | 'none';
  level?: number;
  /** zstd only: a raw dictionary (or a path to one); its compressed copy opens every file. */
  zstdDictionary?: string | Uint8Array;
  /** Rotate before a batch that would pass this many bytes. Default 10^9 (1 GB); 0 = never. */
  maxFileSize?: number;
  /** Files open at once; batches are spread over them. Default 1. */
  writers?: number;
  /** Extra fields for each file's warcinfo record. */
  warcinfo?: Record<string, string>;
  /** Keep a `<file>.cdxj` sidecar. */
  index?: boolean;
  digestAlgorithm?: 'sha1' | 'sha256';
  /** Default: base32 for sha1, base16 for sha256. */
  digestEncoding?: 'base32' | 'base16';
  hostname?: string;
  backend?: Backend;
  logger?: Logger;
  metrics?: MetricsRegistry;
}

interface Slot {
  file?: WarcFile;
  queue: Promise<unknown>;
  pending: number;
}

interface Ready {
  backend: Backend;
  config: WarcFileConfig;
}

export class WarcWriter {
  private readonly options: WarcWriterOptions;
  private readonly slots: Slot[];
  private readonly logger: Logger;
  private readonly names: string[] = [];
  private ready?: Promise<Ready>;
  private closing?: Promise<void>;
  private serial = 0;
  private nextSlot = 0;
  private readonly recordsCounter?: Counter;
  private readonly bytesCounter?: Counter;
  private readonly filesCounter?: Counter;
  private readonly queueGauge?: Gauge;
  /** Batches accepted and not yet settled. */
  private queued = 0;
  private readonly inFlight = new Set<Promise<WrittenRecord[]>>();

  constructor(options: WarcWriterOptions) {
    const writers = options.writers ?? DEFAULT_WRITER.writers;
    if (!Number.isInteger(writers) || writers < 1) throw new WarcError('ERR_WARC_INVALID_OPTION', `writers must be a positive integer, got ${writers}`);
    if (options.zstdDictionary !== undefined && (options.compression ?? DEFAULT_WRITER.compression) !== 'zstd') {
      throw new WarcError('ERR_WARC_INVALID_OPTION', 'zstdDictionary needs compression: "zstd"');
    }
    const max = options.maxFileSize;
    if (max !== undefined && !(Number.isFinite(max) && max >= 0)) throw new WarcError('ERR_WARC_INVALID_OPTION', `maxFileSize must be a number >= 0, got ${max}`);
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.slots = Array.from({ length: writers }, () => ({ queue: Promise.resolve(), pending: 0 }));
    const m = options.metrics;
    if (m) {
      this.recordsCounter = m.counter(METRICS.recordsWritten);
      this.bytesCounter = m.counter(METRICS.totalDataWritten);
      this.filesCounter = m.counter(METRICS.filesWritten);
      this.queueGauge = m.gauge(METRICS.writerQueueDepth);
    }
  }

  /**
   * Final names (without `.open`) of every file this writer has opened, in opening
   * order. After a failed write a file may be on disk as `<name>.open`, or gone when
   * nothing but its warcinfo had landed (see WarcFile.abandon()).
   */
  get filenames(): readonly string[] {
    return this.names;
  }

  private get digestAlgorithm(): DigestAlgorithm {
    return this.options.digestAlgorithm ?? DEFAULT_DIGEST_ALGORITHM;
  }

  private get digestEncoding(): DigestEncoding {
    return this.options.digestEncoding ?? defaultDigestEncoding(this.digestAlgorithm);
  }

  private prepareOnce(): Promise<Ready> {
    this.ready ??= (async () => {
      const backend = this.options.backend ?? (await defaultBackend());
      const compression = this.options.compression ?? DEFAULT_WRITER.compression;
      let dictionary: Buffer | undefined;
      let preamble: Buffer | undefined;
      const dictOption = this.options.zstdDictionary;
      if (dictOption !== undefined) {
        const bytes =
          typeof dictOption === 'string'
            ? await readFile(dictOption).catch((err: Error) => {
                throw new WarcError('ERR_WARC_DICTIONARY', `cannot read the zstd dictionary ${dictOption}: ${err.message}`, { cause: err });
              })
            : dictOption;
        dictionary = rawDictionary(backend, bytes);
        preamble = await dictionaryPreamble(backend, dictionary);
      }
      const hostname = this.options.hostname ?? osHostname();
      const user = this.options.warcinfo ?? {};
      const config: WarcFileConfig = {
        backend,
        directory: this.options.directory,
        prefix: this.options.prefix ?? DEFAULT_WRITER.prefix,
        hostname,
        compression,
        ...(this.options.level !== undefined ? { level: this.options.level } : {}),
        ...(dictionary ? { dictionary } : {}),
        ...(preamble ? { preamble } : {}),
        index: this.options.index ?? false,
        logger: this.logger,
        warcinfo: (filename) => {
          const record = buildWarcinfo(filename, hostname, user);
          return this.prepareRecord(backend, record, recordFields(record));
        },
        nextSerial: () => this.serial++,
      };
      return { backend, config };
    })();
    return this.ready;
  }

  /** Writes the batch to one file; resolves once it is on disk, with one entry per record. */
  write(batch: readonly WarcRecord[]): Promise<WrittenRecord[]> {
    if (this.closing) {
      for (const r of batch) closeBlock(r.block);
      return Promise.reject(new WarcError('ERR_WARC_WRITER_CLOSED', 'write() after close()'));
    }
    let fields: Array<Array<[string, string]>>;
    try {
      fields = batch.map((r) => recordFields(r));
    } catch (err) {
      for (const r of batch) closeBlock(r.block);
      return Promise.reject(err);
    }
    const slot = this.pickSlot();
    slot.pending++;
    this.queueGauge?.set(++this.queued);
    // The slot's queue orders the hand-over to the sink; the sink compresses and
    // writes while later batches are being digested (appends land in call order).
    const started = slot.queue.then(() => this.startOn(slot, batch, fields));
    slot.queue = started.then(
      () => undefined,
      () => undefined,
    );
    const result = started.then((s) => s.done);
    const settle = (): void => {
      slot.pending--;
      this.queueGauge?.set(--this.queued);
      this.inFlight.delete(result);
    };
    this.inFlight.add(result);
    result.then(settle, settle);
    return result;
  }

  /** The slot with the least queued work; ties go round robin. */
  private pickSlot(): Slot {
    let best = this.slots[this.nextSlot];
    for (let i = 1; i < this.slots.length; i++) {
      const s = this.slots[(this.nextSlot + i) % this.slots.length];
      if (s.pending < best.pending) best = s;
    }
    this.nextSlot = (this.slots.indexOf(best) + 1) % this.slots.length;
    return best;
  }

  /** Digests, rotates if needed, hands the batch to the file's sink. `done` settles when it landed. */
  private async startOn(slot: Slot, batch: readonly WarcRecord[], fields: Array<Array<[string, string]>>): Promise<{ done: Promise<WrittenRecord[]> }> {
    let prepared: PreparedRecord[];
    let ready: Ready;
    try {
      ready = await this.prepareOnce();
      prepared = batch.map((r, i) => this.prepareRecord(ready.backend, r, fields[i]));
    } catch (err) {
      for (const r of batch) closeBlock(r.block);
      throw err;
    }
    try {
      await this.rotateIfFull(slot, prepared.map(plainSize));
      if (!slot.file) {
        slot.file = await WarcFile.create(ready.config);
        this.names.push(slot.file.filename);
        this.filesCounter?.inc();
        // total_data_written counts every byte on disk, warcinfo (and dictionary frame) included.
        this.recordsCounter?.inc({ type: 'warcinfo' });
        this.bytesCounter?.inc(undefined, slot.file.openingBytes);
      }
    } catch (err) {
      for (const r of prepared) closeBlock(r.block);
      throw err;
    }
    const file = slot.file;
    const done = file.enqueue(prepared).then(
      (written) => {
        for (const w of written) {
          this.recordsCounter?.inc({ type: w.type });
          this.bytesCounter?.inc(undefined, w.length);
        }
        return written;
      },
      async (err: unknown) => {
        // The file may hold a partial member now: leave it `.open` for mend, start a new one next time.
        if (slot.file === file) slot.file = undefined;
        await file.abandon();
        this.logger.error({ file: file.openPath, err: (err as Error).message }, 'WARC write failed; file left .open');
        throw err;
      },
    );
    return { done };
  }

  /**
   * Closes the slot's file when a batch of these sizes might take it past
   * maxFileSize. Pending appends are counted at their worst-case size; while
   * that says "no" but some are still in flight, waiting for them to land
   * (their real sizes replace the bounds) decides it, so compressible data
   * still fills files, and a slot with room keeps its writes pipelined.
   */
  private async rotateIfFull(slot: Slot, plainSizes: number[]): Promise<void> {
    const max = this.options.maxFileSize ?? DEFAULT_WRITER.maxFileSize;
    for (;;) {
      const file = slot.file;
      // A file holding only its warcinfo takes any batch: a batch bigger than the limit still lands whole.
      if (!file || max <= 0 || file.records === 0 || file.worstSize(plainSizes) <= max) return;
      if (file.failed) {
        // Its own failure handler abandons it (kept `.open` for mend); the batch goes to a new file.
        if (slot.file === file) slot.file = undefined;
        return;
      }
      if (file.busy) {
        await file.nextLanding();
        continue;
      }
      slot.file = undefined;
      await file.close();
      this.logger.info({ file: file.finalPath }, 'WARC file rotated');
      return;
    }
  }

  private prepareRecord(backend: Backend, record: WarcRecord, fields: Array<[string, string]>): PreparedRecord {
    if (findField(record.fields, 'WARC-Block-Digest') === undefined) {
      const label = digestBlock(backend, record.block, this.digestAlgorithm, this.digestEncoding);
      fields = insertKnownField(fields, 'WARC-Block-Digest', label);
    }
    return { id: record.id, type: record.type as WarcRecordType, fields, header: serializeHeader(fields), block: record.block };
  }

  /** Waits for every batch, closes and renames every file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      await Promise.allSettled([...this.inFlight]);
      for (const slot of this.slots) {
        await slot.queue;
        if (slot.file) {
          const file = slot.file;
          slot.file = undefined;
          await file.close().catch((err: unknown) => errors.push(err));
        }
      }
      if (errors.length > 0) throw errors[0];
    })();
    return this.closing;
  }
}
