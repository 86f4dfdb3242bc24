/**
 * One WARC file being written: reserves a fresh name (never overwrites), opens
 * the backend's RecordSink on `<name>.open`, writes warcinfo first, appends
 * batches, keeps the CDXJ sidecar, and renames to the final name on close.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { BackendError } from '../../backend/errors';
import type { AppendResult, Backend, Compression, RecordSink, Spool } from '../../backend/types';
import type { Logger } from '../../obs/logger';
import { cdxjFromWritten, type CdxjSidecar, indexFieldsOfBatch, openCdxjSidecar } from './cdxj-sidecar';
import { OPEN_SUFFIX, warcFileName } from '../naming';
import { blockSize, type WarcRecordType } from '../record';

export interface PreparedRecord {
  id: string;
  type: WarcRecordType;
  fields: Array<[string, string]>;
  header: Buffer;
  block: Spool | Uint8Array;
}

export interface WrittenRecord {
  id: string;
  type: WarcRecordType;
  /** Final file name (basename, without `.open`). */
  filename: string;
  /** Compressed offset of the record's member/frame in the file. */
  offset: number;
  /** Compressed length of the record's member/frame. */
  length: number;
}

export interface WarcFileConfig {
  backend: Backend;
  directory: string;
  prefix: string;
  hostname: string;
  compression: Compression;
  level?: number;
  dictionary?: Uint8Array;
  preamble?: Uint8Array;
  index: boolean;
  logger: Logger;
  /** Builds this file's warcinfo record (it needs the final file name). */
  warcinfo(filename: string): PreparedRecord;
  nextSerial(): number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path, fsc.F_OK);
    return true;
  } catch {
    return false;
  }
}

export function closeBlock(block: Spool | Uint8Array): void {
  if (!(block instanceof Uint8Array)) block.close();
}

/**
 * Most bytes one record can take in the file: exact for `none`; for gzip and
 * zstd the input plus worst-case overhead on incompressible data (deflate's
 * stored blocks and zstd's raw blocks add well under 1%, plus member/frame
 * header and trailer), rounded up generously.
 */
export function storedBound(compression: Compression, plain: number): number {
  return compression === 'none' ? plain : plain + Math.ceil(plain / 128) + 256;
}

/** Uncompressed bytes of a record in the file: header, block, CRLFCRLF. */
export function plainSize(record: PreparedRecord): number {
  return record.header.byteLength + blockSize(record.block) + 4;
}

export class WarcFile {
  /** End of the last record that landed (the sink reports each one's offset and length). */
  private landed = 0;
  /** storedBound() of every record handed to the sink that has not landed yet. */
  private reserved = 0;
  private pendingAppends = 0;
  /** End of the last batch that landed whole before any failure: abandon() cuts the file back to it. */
  private intact = 0;
  /** The first append that failed: the file is left `.open` (see abandon()), and nothing landing after it counts. */
  private failure: { reason: unknown } | undefined;
  private landingWaiters: Array<() => void> = [];
  private abandoning?: Promise<void>;
  /** Records other than the leading warcinfo, counted when handed to the sink. */
  records = 0;
  /** Bytes on disk once the file was opened: the dictionary preamble (zstd) and warcinfo. */
  openingBytes = 0;

  private constructor(
    readonly filename: string,
    readonly finalPath: string,
    readonly openPath: string,
    private readonly sink: RecordSink,
    private readonly sidecar: CdxjSidecar | undefined,
    private readonly compression: Compression,
  ) {
    this.landed = sink.size; // the preamble, if any
    this.intact = sink.size;
    this.openingBytes = sink.size;
  }

  /** An append failed: the file may hold a partial member and is left `.open` (see abandon()). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  static async create(config: WarcFileConfig): Promise<WarcFile> {
    for (;;) {
      const filename = warcFileName(config.prefix, new Date(), config.nextSerial(), config.hostname, config.compression);
      const finalPath = join(config.directory, filename);
      const openPath = finalPath + OPEN_SUFFIX;
      if (await exists(finalPath)) continue;
      try {
        // 'wx' reserves the name atomically: another writer (or process) cannot take it too.
        await (await fsp.open(openPath, 'wx')).close();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        throw new BackendError('ERR_SINK_OPEN', `cannot create ${openPath}: ${(err as Error).message}`, {
          cause: err,
          ...(code !== undefined ? { syscallCode: code } : {}),
        });
      }
      let sink: RecordSink;
      try {
        sink = await config.backend.openRecordSink(openPath, {
          compression: config.compression,
          ...(config.level !== undefined ? { level: config.level } : {}),
          ...(config.dictionary ? { dictionary: config.dictionary } : {}),
          ...(config.preamble ? { preamble: config.preamble } : {}),
        });
      } catch (err) {
        // Nothing was written: give the reserved name back.
        await fsp.unlink(openPath).catch(() => undefined);
        throw err;
      }
      const sidecar = config.index ? await openCdxjSidecar(finalPath + '.cdxj') : undefined;
      const file = new WarcFile(filename, finalPath, openPath, sink, sidecar, config.compression);
      try {
        await file.enqueue([config.warcinfo(filename)]);
        file.openingBytes = file.landed;
      } catch (err) {
        await file.abandon();
        throw err;
      }
      config.logger.info({ file: openPath }, 'WARC file opened');
      return file;
    }
  }

  /**
   * Most bytes the file can hold once everything handed to the sink and then
   * records of these uncompressed sizes have landed. Never an underestimate, so
   * a file that passes this check cannot pass maxFileSize.
   */
  worstSize(plainSizes: readonly number[]): number {
    return this.landed + this.reserved + plainSizes.reduce((n, p) => n + storedBound(this.compression, p), 0);
  }

  /** True while appends handed to the sink have not landed. */
  get busy(): boolean {
    return this.pendingAppends > 0;
  }

  /** Resolves when the next pending append settles (at once when none is pending). */
  nextLanding(): Promise<void> {
    if (this.pendingAppends === 0) return Promise.resolve();
    return new Promise((resolve) => this.landingWaiters.push(resolve));
  }

  /**
   * One append settled (the sink settles them in call order): its reservation
   * turns into its real size, in the same step. Returns where it landed; throws
   * its own error, or the file's first failure when it landed after one (then
   * abandon() cuts it away, so a batch after a failure is never half there).
   */
  private settleAppend(bound: number, outcome: { at: AppendResult } | { reason: unknown }, endsBatch: boolean): AppendResult {
    this.reserved -= bound;
    this.pendingAppends--;
    const waiters = this.landingWaiters;
    this.landingWaiters = [];
    for (const wake of waiters) wake();
    if ('reason' in outcome) this.failure ??= outcome;
    else {
      const end = outcome.at.offset + outcome.at.length;
      this.landed = Math.max(this.landed, end);
      if (this.failure === undefined && endsBatch) this.intact = end;
    }
    if (this.failure !== undefined) throw this.failure.reason;
    return (outcome as { at: AppendResult }).at;
  }

  /**
   * Hands every record to the sink now, in order (so batches queued after this
   * one land after it), and resolves once all have landed. Each Spool is
   * closed once its append settles. A batch lands whole or rejects; after a
   * rejection, abandon() removes whatever part of it reached the file.
   */
  enqueue(batch: readonly PreparedRecord[]): Promise<WrittenRecord[]> {
    // Index fields are read before the sink may close a Spool.
    const indexed = this.sidecar ? indexFieldsOfBatch(batch) : [];
    for (const r of batch) if (r.type !== 'warcinfo') this.records++;
    const appends = batch.map((r, i) => {
      const bound = storedBound(this.compression, plainSize(r));
      this.reserved += bound;
      this.pendingAppends++;
      const endsBatch = i === batch.length - 1;
      return this.sink
        .append(r.header, r.block)
        .finally(() => closeBlock(r.block))
        .then(
          (at) => this.settleAppend(bound, { at }, endsBatch),
          (reason: unknown) => this.settleAppend(bound, { reason }, endsBatch),
        );
    });
    return (async () => {
      const settled = await Promise.allSettled(appends);
      const written: WrittenRecord[] = [];
      for (let i = 0; i < batch.length; i++) {
        const s = settled[i];
        if (s.status === 'rejected') throw s.reason;
        const r = batch[i];
        written.push({ id: r.id, type: r.type, filename: this.filename, offset: s.value.offset, length: s.value.length });
      }
      if (this.sidecar) {
        for (let i = 0; i < batch.length; i++) {
          const fields = indexed[i];
          if (fields) this.sidecar.add(cdxjFromWritten(fields, written[i]));
        }
        await this.sidecar.flush();
      }
      return written;
    })();
  }

  /** Flushes, fsyncs, closes and renames `.open` away. */
  async close(): Promise<void> {
    await this.sink.close();
    if (await exists(this.finalPath)) {
      throw new Error(`refusing to overwrite ${this.finalPath}; ${this.openPath} kept`);
    }
    await fsp.rename(this.openPath, this.finalPath);
    if (this.sidecar) await this.sidecar.close();
  }

  /**
   * After a failed write: close what can be closed, cut the file back to the end
   * of the last batch that landed whole (no half pair stays), and keep the
   * `.open` name (mend repairs it); a file left with nothing past its opening
   * (preamble, warcinfo) holds no capture and is removed. Idempotent.
   */
  async abandon(): Promise<void> {
    this.abandoning ??= (async () => {
      await this.sink.close().catch(() => undefined);
      if (this.sidecar) await this.sidecar.close().catch(() => undefined);
      // Truncating frees space, so it works on a full disk too; if it cannot, mend still can.
      if (this.intact <= this.openingBytes) await fsp.unlink(this.openPath).catch(() => undefined);
      else await fsp.truncate(this.openPath, this.intact).catch(() => undefined);
    })();
    return this.abandoning;
  }
}
