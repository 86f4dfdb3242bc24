/**
 * What the js gzip and zstd decoders share around their own step(): no use after close(),
 * and a failure that sticks until reset() (the caller must resynchronise; no byte after a
 * corrupt one is ever returned as good output).
 */
import { bytesArgument } from '../arguments';
import { BackendError } from '../errors';
import type { DecodeStep, MemberDecoder } from '../types';
import type { SyncZlibEngine } from './sync-zlib-engine';

export abstract class EngineMemberDecoder implements MemberDecoder {
  protected abstract engine: SyncZlibEngine;
  protected failure: BackendError | undefined;
  protected closed = false;

  /** Decodes as much of `input` as belongs to the current member. */
  protected abstract step(input: Buffer): DecodeStep;
  /** The ERR_DECODE error a non-BackendError thrown by step() becomes. */
  protected abstract decodeError(err: unknown): BackendError;
  abstract reset(): void;

  write(input: Uint8Array): DecodeStep {
    if (this.closed) throw new BackendError('ERR_DECODE', 'MemberDecoder.write() called after close()');
    const bytes = bytesArgument(input, 'MemberDecoder.write() input');
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.step(bytes);
    } catch (err) {
      this.failure = err instanceof BackendError ? err : this.decodeError(err);
      throw this.failure;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.close();
  }
}
