/**
 * Argument checks shared by both backends, so the same bad argument gets the same
 * BackendError code from either (the addon makes the same checks in native/util.cc).
 */
import { constants as bufferConstants } from 'node:buffer';
import { types } from 'node:util';
import { BackendError, type BackendErrorCode } from './errors';
import type { CaptureBlockOptions, Spool } from './types';

/** True when `buffer` was detached (transferred); SharedArrayBuffers never are. */
function isDetached(buffer: ArrayBufferLike): boolean {
  if (types.isSharedArrayBuffer(buffer) || buffer.byteLength > 0) return false;
  const detached = (buffer as { detached?: unknown }).detached; // Node >= 22
  if (typeof detached === 'boolean') return detached;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true; // "Cannot perform Construct on a detached ArrayBuffer"
  }
}

/**
 * The bytes of a Uint8Array (or any ArrayBuffer view, SharedArrayBuffer-backed ones too) as a
 * Buffer over the same memory; ERR_INVALID_ARG (or `code`) for anything else or a detached buffer.
 */
export function bytesArgument(value: unknown, what: string, code: BackendErrorCode = 'ERR_INVALID_ARG'): Buffer {
  if (!types.isArrayBufferView(value)) {
    throw new BackendError(code, `${what} must be a Uint8Array (or another ArrayBuffer view), got ${describe(value)}`);
  }
  if (isDetached(value.buffer)) throw new BackendError(code, `${what} is backed by a detached (transferred) ArrayBuffer`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** `value` as an options object; ERR_INVALID_OPTION for null or a primitive. */
export function optionsArgument<T extends object>(value: T, what: string): T {
  if (typeof value !== 'object' || value === null) {
    throw new BackendError('ERR_INVALID_OPTION', `${what} options must be an object with a \`compression\` field, got ${describe(value)}`);
  }
  return value;
}

/** `value` as capture block options; ERR_INVALID_OPTION for null or a primitive (the algorithm is checked where the hashes start). */
export function captureBlockOptionsArgument(value: CaptureBlockOptions): CaptureBlockOptions {
  if (typeof value !== 'object' || value === null) {
    throw new BackendError('ERR_INVALID_OPTION', `capture block options must be an object with a \`digestAlgorithm\` field, got ${describe(value)}`);
  }
  return value;
}

/** A record sink's file path: a non-empty string without NUL bytes, else ERR_INVALID_ARG. */
export function filePathArgument(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new BackendError('ERR_INVALID_ARG', `the record sink path must be a non-empty string without NUL bytes, got ${describe(value)}`);
  }
  return value;
}

/** A Spool of either backend (an object with read() and a numeric size). */
export function isSpool(value: unknown): value is Spool {
  const candidate = value as Partial<Spool> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.read === 'function' && typeof candidate.size === 'number';
}

/** Checks spool.read()'s arguments and how many bytes it returns; ERR_INVALID_ARG when it cannot. */
export function checkReadRange(offset: unknown, length: unknown, size: number): number {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || (offset as number) < 0 || (length as number) < 0) {
    throw new BackendError('ERR_INVALID_ARG', `spool.read() offset and length must be non-negative safe integers, got (${describe(offset)}, ${describe(length)})`);
  }
  const count = Math.max(0, Math.min(length as number, size - (offset as number)));
  if (count > bufferConstants.MAX_LENGTH) {
    throw new BackendError('ERR_INVALID_ARG', `spool.read() of ${count} bytes at once is more than one Buffer can hold: read it in smaller pieces`);
  }
  return count;
}

/**
 * Checks capture-block payload ranges against a chunk of `length` bytes: flat [start, end) pairs
 * of integers, within the chunk, ascending and non-overlapping; undefined means none.
 * ERR_INVALID_ARG otherwise (the addon makes the same checks in native/capture_block.cc).
 */
export function payloadRangesArgument(value: unknown, length: number): readonly number[] {
  if (value === undefined) return NO_RANGES;
  // A Proxy is refused as the addon refuses it (napi_is_array says no to a Proxy of an array).
  if (!Array.isArray(value) || types.isProxy(value)) {
    throw new BackendError('ERR_INVALID_ARG', `payload ranges must be an array of [start, end) offset pairs, got ${describe(value)}`);
  }
  if (value.length % 2 !== 0) throw new BackendError('ERR_INVALID_ARG', `payload ranges must be [start, end) pairs, got ${value.length} numbers`);
  let previousEnd = 0;
  for (let i = 0; i < value.length; i += 2) {
    const start: unknown = value[i];
    const end: unknown = value[i + 1];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || (start as number) < previousEnd || (end as number) < (start as number) || (end as number) > length) {
      throw new BackendError(
        'ERR_INVALID_ARG',
        `payload range ${i / 2} [${describe(start)}, ${describe(end)}) is not an ascending, non-overlapping range of integers within the ${length}-byte chunk`,
      );
    }
    previousEnd = end as number;
  }
  return value as readonly number[];
}

const NO_RANGES: readonly number[] = Object.freeze([]);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Object.prototype.toString.call(value).slice(8, -1);
  return typeof value === 'number' ? String(value) : typeof value;
}
