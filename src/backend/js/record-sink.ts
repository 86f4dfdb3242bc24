/**
 * Record sink on node:fs + node:zlib: each append writes header + block +
 * CRLFCRLF as ONE gzip member / zstd frame (or verbatim), in call order.
 * Small records are compressed ahead on libuv's pool (within the process's
 * thread budget, thread-budget.ts) and written in order; large blocks stream
 * from the spool through one compressor into the file (holding one budget
 * slot), so they are never held in memory whole.
 * A failed write truncates the file back to the end of the last complete
 * member, so everything appended before it still decodes.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { bytesArgument, filePathArgument, isSpool, optionsArgument } from '../arguments';
import { BackendError } from '../errors';
import type { AppendResult, RecordSink, RecordSinkOptions, Spool } from '../types';
import { compressMember, compressionFailure, createMemberStream, resolveMemberCompression, type MemberCompression } from './compression';
import { threadBudget } from './thread-budget';

const RECORD_END = Buffer.from('\r\n\r\n');
/** Records up to this size are assembled in memory and compressed in one call. */
const INLINE_LIMIT = 4 * 1024 * 1024;
/** Chunk size when streaming a large spool. */
const STREAM_CHUNK = 1024 * 1024;

const SYSCALL_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (beyond the file size limit)',
  EIO: 'input/output error on the device',
  EROFS: 'read-only file system',
  EBADF: 'file descriptor no longer valid',
};

function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Yields header, block and CRLFCRLF in bounded chunks (reads a spool piece by piece). */
function* recordChunks(header: Uint8Array, block: Spool | Uint8Array): Generator<Buffer> {
  if (header.byteLength > 0) yield view(header);
  if (isSpool(block)) {
    for (let offset = 0; offset < block.size; offset += STREAM_CHUNK) yield block.read(offset, STREAM_CHUNK);
  } else if (block.byteLength > 0) {
    yield view(block);
  }
  yield RECORD_END;
}

export class JsRecordSink implements RecordSink {
  private committed: number;
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private broken: BackendError | undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly compression: MemberCompression | undefined,
    initialSize: number,
  ) {
    this.committed = initialSize;
  }

  /** Opens (creating, never truncating) `filePath` for appending; writes the preamble to an empty file. */
  static async open(filePath: string, options: RecordSinkOptions): Promise<JsRecordSink> {
    filePathArgument(filePath);
    optionsArgument(options, 'RecordSink');
    let compression: MemberCompression | undefined;
    if (options.compression === 'none') {
      if (options.dictionary !== undefined) {
        throw new BackendError('ERR_INVALID_OPTION', "a dictionary needs compression 'zstd', not 'none'");
      }
    } else {
      compression = resolveMemberCompression(options); // before opening, so a bad option creates no file
    }
    const preamble = options.preamble === undefined ? undefined : bytesArgument(options.preamble, 'preamble', 'ERR_INVALID_OPTION');
    let handle: FileHandle;
    try {
      handle = await fsp.open(filePath, 'a', 0o644);
    } catch (err) {
      throw openError(filePath, err);
    }
    const sink = new JsRecordSink(filePath, handle, compression, 0);
    try {
      sink.committed = (await handle.stat()).size;
      if (sink.committed === 0 && preamble !== undefined && preamble.byteLength > 0) {
        await sink.writeAtEnd([Buffer.from(preamble)]);
      }
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err instanceof BackendError ? err : sink.writeError(err, 0);
    }
    return sink;
  }

  get size(): number {
    return this.committed;
  }

  append(header: Uint8Array, block: Spool | Uint8Array): Promise<AppendResult> {
    if (this.closing !== undefined) {
      return Promise.reject(new BackendError('ERR_SINK_CLOSED', `cannot append to ${this.path}: the record sink is closed`));
    }
    let job: () => Promise<AppendResult>;
    try {
      job = this.prepare(header, block);
    } catch (err) {
      return Promise.reject(err); // e.g. reading a closed spool
    }
    const result = this.tail.then(() => {
      if (this.broken !== undefined) throw this.broken;
      return job();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Small records: copied and compression started now (bounded), written in turn.
   * Large ones: a Buffer block is copied, a spool is read (it must stay unchanged and open
   * until the append resolves), and streamed when their turn comes.
   */
  private prepare(headerArgument: Uint8Array, blockArgument: Spool | Uint8Array): () => Promise<AppendResult> {
    const header = bytesArgument(headerArgument, 'append() header');
    const block = isSpool(blockArgument) ? blockArgument : bytesArgument(blockArgument, 'append() block (a Uint8Array or a Spool)');
    const blockSize = isSpool(block) ? block.size : block.byteLength;
    const total = header.byteLength + blockSize + RECORD_END.length;
    const settings = this.compression;
    if (total > INLINE_LIMIT) {
      // Copies of buffers (not of spools): a buffer transferred before its turn would be gone.
      const headerCopy = Buffer.from(header);
      const blockCopy = isSpool(block) ? block : Buffer.from(block);
      // A streamed record keeps one pool thread busy compressing for as long as it lasts: a budget slot.
      return () =>
        threadBudget.run(() => this.writeStreamed(Readable.from(recordChunks(headerCopy, blockCopy)), settings, total));
    }
    // Copy now: the caller may reuse its buffers once append() returns.
    const input = Buffer.concat([...recordChunks(header, block)], total);
    if (settings === undefined) return () => this.writeAtEnd([input]);
    const compressed = compressMember(settings, input);
    compressed.catch(() => undefined); // handled when its turn comes; avoids an unhandled rejection meanwhile
    return async () => this.writeAtEnd([await compressed]);
  }

  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    await this.tail;
    let failure: BackendError | undefined;
    try {
      await this.handle.sync();
    } catch (err) {
      failure = this.writeError(err, this.committed, 'fsync');
    }
    try {
      await this.handle.close();
    } catch (err) {
      failure ??= this.writeError(err, this.committed, 'close');
    }
    if (failure !== undefined) throw failure;
  }

  /** Appends whole buffers as one member; on failure truncates back to where it started. */
  private async writeAtEnd(buffers: Buffer[]): Promise<AppendResult> {
    const offset = this.committed;
    let length = 0;
    try {
      for (const buffer of buffers) {
        await this.writeFully(buffer);
        length += buffer.length;
      }
    } catch (err) {
      throw await this.rollBack(err, offset);
    }
    this.committed = offset + length;
    return { offset, length };
  }

  /** Writes `source` (`total` bytes) as one member, compressed with `settings` when given, chunk by chunk. */
  private async writeStreamed(source: Readable, settings: MemberCompression | undefined, total: number): Promise<AppendResult> {
    let compressor: Transform | undefined;
    try {
      compressor = settings && createMemberStream(settings, total);
    } catch (err) {
      throw settings ? compressionFailure(settings, err) : err;
    }
    // The compressor's own failure is told apart from the file's: it is ERR_DEFLATE / ERR_ZSTD, not a write error.
    let compressorFailure: unknown;
    compressor?.once('error', (err) => {
      compressorFailure = err;
    });
    const offset = this.committed;
    let length = 0;
    const write = async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        await this.writeFully(chunk);
        length += chunk.length;
      }
    };
    try {
      if (compressor === undefined) await pipeline(source, write);
      else await pipeline(source, compressor, write);
    } catch (err) {
      throw await this.rollBack(compressorFailure !== undefined && settings ? compressionFailure(settings, compressorFailure) : err, offset);
    }
    this.committed = offset + length;
    return { offset, length };
  }

  private async writeFully(buffer: Buffer): Promise<void> {
    let done = 0;
    while (done < buffer.length) {
      // The file is opened O_APPEND: every write lands at its current end.
      const { bytesWritten } = await this.handle.write(buffer, done, buffer.length - done, null);
      done += bytesWritten;
    }
  }

  /** Truncates to `offset` (the end of the last complete member) and returns the error to throw. */
  private async rollBack(err: unknown, offset: number): Promise<BackendError> {
    try {
      await this.handle.truncate(offset);
    } catch (truncateErr) {
      this.broken = this.writeError(truncateErr, offset, 'truncate after a failed write');
      return this.broken;
    }
    if (err instanceof BackendError) return err; // e.g. the caller's spool failed or was closed, or compression failed
    return this.writeError(err, offset);
  }

  private writeError(err: unknown, offset: number, action = 'write'): BackendError {
    const code = errnoCode(err);
    const reason = (code !== undefined ? SYSCALL_REASONS[code] : undefined) ?? (err instanceof Error ? err.message : String(err));
    return new BackendError(
      'ERR_SINK_WRITE',
      `cannot ${action} WARC file ${this.path}: ${reason}${code !== undefined ? ` (${code})` : ''}; ` +
        `the file ends at byte ${offset}, after the last complete record`,
      { cause: err, ...(code !== undefined ? { syscallCode: code } : {}) },
    );
  }
}

function openError(filePath: string, err: unknown): BackendError {
  const code = errnoCode(err);
  const dir = path.dirname(path.resolve(filePath));
  let reason: string;
  if (code === 'ENOENT') reason = `directory ${dir} does not exist`;
  else if (code === 'EACCES' || code === 'EPERM') reason = 'permission denied';
  else if (code === 'EISDIR') reason = 'it is a directory';
  else if (code === 'ENOTDIR') reason = `a component of ${dir} is not a directory`;
  else reason = err instanceof Error ? err.message : String(err);
  return new BackendError('ERR_SINK_OPEN', `cannot open WARC file ${filePath} for appending: ${reason}`, {
    cause: err,
    ...(code !== undefined ? { syscallCode: code } : {}),
  });
}
