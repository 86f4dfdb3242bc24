/**
 * The addon's CaptureBlock class checks its own constructor arguments (the TypeScript wrapper
 * always passes good ones, but the class is reachable from JS): a non-Spool to append to is
 * ERR_INVALID_ARG, an unknown algorithm ERR_INVALID_OPTION; never a crash.
 */
import * as os from 'node:os';
import { loadNativeBackend, nativeAddonPath } from '../../src/backend/native';

loadNativeBackend();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const addon = require(nativeAddonPath()!) as {
  Spool: new (options: object) => { close(): void };
  CaptureBlock: new (spool: unknown, algorithm: unknown) => { append(chunk: Uint8Array, ranges?: number[]): void; blockDigest(): string };
};

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
}

test('CaptureBlock needs a native Spool and a known algorithm', () => {
  const spool = new addon.Spool({ tempDir: os.tmpdir() });
  const notSpools: unknown[] = [undefined, null, {}, { append() {}, read() {}, size: 0 }, new Uint8Array(4), new addon.CaptureBlock(spool, 'sha1')];
  for (const value of notSpools) expect({ value, code: codeOf(() => new addon.CaptureBlock(value, 'sha1')) }).toEqual({ value, code: 'ERR_INVALID_ARG' });
  for (const algorithm of [undefined, 'md5', 1, {}]) {
    expect({ algorithm, code: codeOf(() => new addon.CaptureBlock(spool, algorithm)) }).toEqual({ algorithm, code: 'ERR_INVALID_OPTION' });
  }
  const block = new addon.CaptureBlock(spool, 'sha1');
  block.append(Buffer.from('abc'), [0, 3]);
  expect(block.blockDigest()).toBe('sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5');
  spool.close();
  expect(codeOf(() => block.append(Buffer.from('x')))).toBe('ERR_SPOOL_CLOSED');
});
