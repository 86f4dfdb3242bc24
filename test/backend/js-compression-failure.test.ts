/**
 * The js backend names a failure of node:zlib as the addon does: ERR_DEFLATE (gzip) or
 * ERR_ZSTD with the library's words, ERR_NO_MEMORY when a buffer could not be had. The errors
 * here are real ones thrown by node:zlib (compression itself cannot be made to fail from JS,
 * so decompression and an output cap provide them). Independent of WARCWIRE_BACKEND.
 */
import * as zlib from 'node:zlib';
import { BackendError } from '../../src/backend/errors';
import { compressionFailure, type MemberCompression } from '../../src/backend/js/compression';

const GZIP: MemberCompression = { compression: 'gzip', level: 6 };
const ZSTD: MemberCompression = { compression: 'zstd', level: 3 };

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

const zlibFailure = thrownBy(() => zlib.gunzipSync(Buffer.from('not a gzip member')));
const tooLarge = thrownBy(() => zlib.gzipSync(Buffer.alloc(4096), { maxOutputLength: 1 }));

test.each([
  ['a zlib error, gzip', GZIP, zlibFailure, 'ERR_DEFLATE', 'zlib deflate failed'],
  ['a zlib error, zstd', ZSTD, zlibFailure, 'ERR_ZSTD', 'zstd failed'],
  ['a buffer that cannot be allocated', GZIP, tooLarge, 'ERR_NO_MEMORY', 'out of memory: zlib deflate failed'],
])('%s is a BackendError %s', (_label, settings, cause, code, prefix) => {
  const error = compressionFailure(settings, cause);
  expect(error).toBeInstanceOf(BackendError);
  expect(error.code).toBe(code);
  expect(error.message).toBe(`${prefix} (${cause.message})`);
  expect(error.cause).toBe(cause);
});

test('a BackendError passes through unchanged', () => {
  const original = new BackendError('ERR_SPOOL_CLOSED', 'the spool was closed');
  expect(compressionFailure(GZIP, original)).toBe(original);
});
