/**
 * One WARC file being written: reserves a fresh name (never overwrites), opens
 * the backend's RecordSink on `<name>.open`, writes warcinfo first, appends
 * batches, keeps the CDXJ sidecar, and renames to the final name on close.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { BackendError } from '../backend/errors';
import type { Backend, Compression, RecordSink, Spool } from '../backend/types';
import type { Logger } from '../obs/logger';
import { cdxjFromWritten, type CdxjSidecar, indexFieldsOfPrepared, openCdxjSidecar } from './cdxj-sidecar';
import { OPEN_SUFFIX, warcFileName } from './naming';
import { blockSize, type WarcRecordType } from './record';

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

export class WarcFile {
  /** Uncompressed bytes handed to the sink, to estimate the compression ratio. */
  private plainBytes = 0;
  private storedBytes = 0;
  /** Uncompressed bytes handed to the sink that have not landed yet. */
  private pendingPlain = 0;
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
  ) {}

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
      const file = new WarcFile(filename, finalPath, openPath, sink, sidecar);
      try {
        await file.enqueue([config.warcinfo(filename)]);
        file.openingBytes = sink.size;
      } catch (err) {
        await file.abandon();
        throw err;
      }
      config.logger.info({ file: openPath }, 'WARC file opened');
      return file;
    }
  }

  /** Bytes the file will hold, estimated, once pending appends and `plain` more uncompressed bytes land. */
  projectedSize(plain: number): number {
    return this.sink.size + this.estimate(this.pendingPlain + plain);
  }

  /** Compressed size expected for `plain` uncompressed bytes, from this file's ratio so far. */
  private estimate(plain: number): number {
    const ratio = this.plainBytes > 0 ? Math.min(1, this.storedBytes / this.plainBytes) : 1;
    return Math.ceil(plain * ratio);
  }

  /**
   * Hands every record to the sink now, in order (so batches queued after this
   * one land after it), and resolves once all have landed. Each Spool is
   * closed once its append settles.
   */
  enqueue(batch: readonly PreparedRecord[]): Promise<WrittenRecord[]> {
    // Index fields are read before the sink may close a Spool.
    const indexed = this.sidecar ? batch.map(indexFieldsOfPrepared) : [];
    const sizes = batch.map((r) => r.header.byteLength + blockSize(r.block) + 4);
    const plain = sizes.reduce((a, b) => a + b, 0);
    this.pendingPlain += plain;
    for (const r of batch) if (r.type !== 'warcinfo') this.records++;
    const appends = batch.map((r) => this.sink.append(r.header, r.block).finally(() => closeBlock(r.block)));
    return (async () => {
      const settled = await Promise.allSettled(appends);
      this.pendingPlain -= plain;
      const written: WrittenRecord[] = [];
      for (let i = 0; i < batch.length; i++) {
        const s = settled[i];
        if (s.status === 'rejected') throw s.reason;
        const r = batch[i];
        this.plainBytes += sizes[i];
        this.storedBytes += s.value.length;
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

  /** After a failed write: close what can be closed, keep the `.open` name (mend repairs it). */
  async abandon(): Promise<void> {
    await this.sink.close().catch(() => undefined);
    if (this.sidecar) await this.sidecar.close().catch(() => undefined);
  }
}
