/**
 * Append-only byte store: RAM up to a limit, then a temp file. The temp file
 * is created 0600 with O_EXCL and unlinked right after opening, so only the
 * descriptor keeps it alive: it cannot outlive the spool or the process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bytesArgument, checkReadRange } from '../arguments';
import { BackendError } from '../errors';
import { DEFAULT_SPOOL } from '../../defaults';
import type { Spool, SpoolOptions } from '../types';

/** RAM the js spools of this process hold now: together at most DEFAULT_SPOOL.ramBudget. */
let ramHeld = 0;

/** One spool's part of `ramHeld`; a spool dropped without close() gives it back when collected. */
interface RamShare {
  bytes: number;
}
const unclosed = new FinalizationRegistry<RamShare>((share) => {
  ramHeld -= share.bytes;
});
const INITIAL_CAPACITY = 16 * 1024;

function syscallCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(action: string, err: unknown): BackendError {
  const code = syscallCode(err);
  const reason = err instanceof Error ? err.message : String(err);
  return new BackendError('ERR_SPOOL_IO', `spool temp file: cannot ${action}: ${reason}`, {
    cause: err,
    ...(code !== undefined ? { syscallCode: code } : {}),
  });
}

function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.byteLength) {
    done += fs.writeSync(fd, data, done, data.byteLength - done, position + done);
  }
}

export class JsSpool implements Spool {
  private readonly memoryLimit: number;
  private readonly tempDir: string;
  private memory: Buffer | undefined = Buffer.allocUnsafe(0);
  private fd: number | undefined;
  private length = 0;
  private closed = false;
  private readonly ram: RamShare = { bytes: 0 };

  constructor(spoolOptions?: SpoolOptions | null) {
    // Like the addon: anything but an object means the defaults.
    const options: SpoolOptions = typeof spoolOptions === 'object' && spoolOptions !== null ? spoolOptions : {};
    const limit = options.memoryLimit ?? DEFAULT_SPOOL.memoryLimit;
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new BackendError('ERR_INVALID_OPTION', `spool memoryLimit must be a non-negative integer, got ${String(options.memoryLimit)}`);
    }
    this.memoryLimit = limit;
    this.tempDir = options.tempDir ?? os.tmpdir();
    if (options.fullOnDisk === true) this.moveToDisk();
    unclosed.register(this, this.ram, this);
  }

  get size(): number {
    return this.length;
  }

  get onDisk(): boolean {
    return this.fd !== undefined;
  }

  append(input: Uint8Array): void {
    const chunk = bytesArgument(input, 'spool.append() input');
    this.checkOpen('append to');
    if (chunk.byteLength === 0) return;
    if (this.fd === undefined) {
      const fits = this.length + chunk.byteLength <= this.memoryLimit && ramHeld + chunk.byteLength <= DEFAULT_SPOOL.ramBudget;
      if (!fits) this.moveToDisk();
    }
    if (this.fd !== undefined) {
      // Positional write at the logical end: a failed or partial write leaves `size` unchanged
      // and the next append overwrites whatever partial bytes it left.
      try {
        writeFully(this.fd, chunk, this.length);
      } catch (err) {
        throw ioError(`write ${chunk.byteLength} bytes`, err);
      }
    } else {
      this.ensureCapacity(this.length + chunk.byteLength);
      this.memory!.set(chunk, this.length);
      this.ram.bytes += chunk.byteLength;
      ramHeld += chunk.byteLength;
    }
    this.length += chunk.byteLength;
  }

  read(offset: number, length: number): Buffer {
    const count = checkReadRange(offset, length, this.length);
    this.checkOpen('read from');
    if (count === 0) return Buffer.alloc(0);
    if (this.fd === undefined) return Buffer.from(this.memory!.subarray(offset, offset + count));
    const out = Buffer.allocUnsafe(count);
    let done = 0;
    try {
      while (done < count) {
        const n = fs.readSync(this.fd, out, done, count - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (err) {
      throw ioError(`read ${count} bytes at offset ${offset}`, err);
    }
    if (done !== count) throw ioError(`read ${count} bytes at offset ${offset}`, new Error(`short read (${done} bytes)`));
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropMemory();
    unclosed.unregister(this);
    this.memory = undefined;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      fs.closeSync(fd);
    }
  }

  private checkOpen(action: string): void {
    if (this.closed) throw new BackendError('ERR_SPOOL_CLOSED', `cannot ${action} a closed spool`);
  }

  private ensureCapacity(needed: number): void {
    const current = this.memory!;
    if (needed <= current.length) return;
    const capacity = Math.min(this.memoryLimit, Math.max(needed, INITIAL_CAPACITY, current.length * 2));
    const grown = Buffer.allocUnsafe(Math.max(capacity, needed));
    current.copy(grown, 0, 0, this.length);
    this.memory = grown;
  }

  /** Creates the temp file, unlinks it at once, and moves the RAM bytes into it. */
  private moveToDisk(): void {
    const file = path.join(this.tempDir, `warcwire-spool-${randomBytes(8).toString('hex')}`);
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    } catch (err) {
      throw ioError(`create ${file}`, err);
    }
    try {
      fs.unlinkSync(file);
      if (this.length > 0) writeFully(fd, this.memory!.subarray(0, this.length), 0);
    } catch (err) {
      fs.closeSync(fd);
      try {
        fs.unlinkSync(file);
      } catch {
        // already unlinked
      }
      throw ioError(`move ${this.length} bytes from memory to ${file}`, err);
    }
    this.fd = fd;
    this.dropMemory();
  }

  /** Frees the RAM bytes and gives their share of the budget back. */
  private dropMemory(): void {
    ramHeld -= this.ram.bytes;
    this.ram.bytes = 0;
    this.memory = Buffer.allocUnsafe(0);
  }
}
