/**
 * Drives a node:zlib engine (InflateRaw, ZstdDecompress) synchronously and
 * persistently. `_processChunk(chunk, flush)` — what inflateSync uses — closes
 * the engine after every call, so instead we call the engine's handle the same
 * way it does (`handle.writeSync` + `_writeState`), keeping one engine per
 * decoder and resetting it between members.
 */
import { BackendError } from '../errors';
import { MAX_DECODE_OUTPUT } from '../types';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  reset(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

interface ZlibEngineInternals {
  _handle: ZlibHandle | null;
  _writeState: Uint32Array;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): void;
}

export interface EngineStep {
  output: Buffer[];
  outputLength: number;
  consumed: number;
  /** True when the engine stopped although it had input and room for output: its stream ended. */
  stalled: boolean;
  /** True when the step stopped at its output bound: more output may follow without more input. */
  pending: boolean;
}

const OUT_CHUNK = 64 * 1024;

export class SyncZlibEngine {
  private readonly engine: ZlibEngineInternals;
  private readonly handle: ZlibHandle;
  private out = Buffer.allocUnsafe(OUT_CHUNK);
  private outOffset = 0;
  private failure: string | undefined;
  private pendingOutput = false;

  constructor(engine: unknown, private readonly flushFlag: number, private readonly what: string) {
    // Not `instanceof`: under jest the engine's typed arrays come from another realm.
    const internals = engine as ZlibEngineInternals;
    if (!internals._handle || typeof internals._handle.writeSync !== 'function' || !ArrayBuffer.isView(internals._writeState)) {
      throw new BackendError('ERR_DECODE', `this Node's zlib engine has no synchronous handle; cannot decode ${what} incrementally`);
    }
    this.engine = internals;
    this.handle = internals._handle;
    // Record the error instead of letting zlib destroy the stream and emit it asynchronously.
    this.handle.onerror = (message: string) => {
      this.failure = message;
    };
    internals.on('error', () => undefined);
  }

  /**
   * Feeds `input` until it is consumed, the output stalls, the stream ends, or
   * `maxOutput` bytes came out (then `pending`: call again, with empty input if all was consumed).
   */
  write(input: Uint8Array, maxOutput: number = MAX_DECODE_OUTPUT): EngineStep {
    if (this.failure !== undefined) throw this.decodeError();
    if (input.byteLength === 0 && !this.pendingOutput) return { output: [], outputLength: 0, consumed: 0, stalled: false, pending: false };
    this.pendingOutput = false;
    const state = this.engine._writeState;
    const output: Buffer[] = [];
    let outputLength = 0;
    let inOff = 0;
    let inLen = input.byteLength;
    for (;;) {
      const outLen = Math.min(this.out.length - this.outOffset, maxOutput - outputLength);
      if (outLen === 0) {
        this.pendingOutput = true;
        return { output, outputLength, consumed: inOff, stalled: false, pending: true };
      }
      this.handle.writeSync(this.flushFlag, input, inOff, inLen, this.out, this.outOffset, outLen);
      if (this.failure !== undefined) throw this.decodeError();
      const availOut = state[0]!;
      const availIn = state[1]!;
      const produced = outLen - availOut;
      if (produced > 0) {
        output.push(this.out.subarray(this.outOffset, this.outOffset + produced));
        this.outOffset += produced;
        outputLength += produced;
      }
      inOff += inLen - availIn;
      inLen = availIn;
      if (this.outOffset >= this.out.length) {
        // Hand the filled buffer out and continue in a fresh one.
        this.out = Buffer.allocUnsafe(OUT_CHUNK);
        this.outOffset = 0;
      }
      if (availOut === 0) continue; // more output pending
      return { output, outputLength, consumed: inOff, stalled: availIn > 0, pending: false };
    }
  }

  reset(): void {
    if (this.failure !== undefined) throw this.decodeError();
    this.pendingOutput = false;
    this.handle.reset();
  }

  /** True when the last write() stopped at its output bound. */
  get pending(): boolean {
    return this.pendingOutput;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  close(): void {
    this.engine.close();
  }

  private decodeError(): BackendError {
    return new BackendError('ERR_DECODE', `corrupt ${this.what} data: ${this.failure ?? 'unknown error'}`);
  }
}
