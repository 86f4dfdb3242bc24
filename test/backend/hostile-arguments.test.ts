/**
 * No JS value crashes a backend: SharedArrayBuffer-backed views work, option getters that
 * throw propagate, buffers transferred mid-flight or already detached are safe, and bad
 * arguments are a BackendError with the same code from both backends. Each case runs in a
 * child process, so a crash (SIGSEGV, SIGABRT) fails its test instead of killing jest.
 */
import * as path from 'node:path';
import { runTsChild } from '../helpers/backend-child';
import { backendUnderTest, makeTempDir, removeDir } from '../helpers/backend-tools';
import type { Thrown } from './children/hostile-arguments';

const backend = backendUnderTest();

let dir: string;
beforeEach(() => (dir = makeTempDir('hostile')));
afterEach(() => removeDir(dir));

async function runCase(name: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const child = await runTsChild(path.join(__dirname, 'children', 'hostile-arguments.ts'), {
    env: { HOSTILE_CASE: name, HOSTILE_DIR: dir, WARCWIRE_BACKEND: backend.name },
    timeoutMs,
  });
  // A crash shows up here as a signal (or a non-zero status): never as a passing test.
  expect({ case: name, status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ case: name, status: 0, signal: null, stderr: '' });
  const report = JSON.parse(child.stdout) as { backend: string; result: Record<string, unknown> };
  expect(report.backend).toBe(backend.name);
  return report.result;
}

const invalidArg = expect.objectContaining<Partial<Thrown>>({ backendError: true, code: 'ERR_INVALID_ARG' }) as unknown;

describe(`hostile arguments (${backend.name} backend)`, () => {
  test('SharedArrayBuffer-backed views give the same result as ordinary buffers', async () => {
    expect(await runCase('shared')).toEqual({ digest: true, spool: true, captureBlock: true, decoder: true, encoder: true, sink: true, 'writer-and-reader': true });
  });

  test('option getters and Proxy traps that throw: their own exception reaches the caller', async () => {
    const getter = { backendError: false, message: 'compression getter says no' };
    const trap = { backendError: false, message: 'proxy trap says no' };
    expect(await runCase('throwing-options')).toEqual({
      decoderGetter: getter,
      decoderProxy: trap,
      encoderGetter: getter,
      encoderProxy: trap,
      sinkGetter: getter,
      sinkProxy: trap,
      spoolProxy: trap,
      fileCreated: false,
    });
  });

  test('a buffer transferred and freed while its encode or append runs: the bytes given at the call are used', async () => {
    expect(await runCase('transfer-in-flight', 60_000)).toEqual({ encoderSame: true, encoderGetterSame: true, sinkSame: [true, true] });
  }, 70_000);

  const BYTE_TAKERS = ['digest', 'spool', 'captureBlock', 'decoder', 'encoderParts', 'encoderPart', 'sinkHeader', 'sinkBlock'];

  test('a detached buffer at the call is ERR_INVALID_ARG everywhere; the sink writes nothing', async () => {
    const result = await runCase('detached-input');
    for (const key of BYTE_TAKERS) expect({ key, thrown: result[key] }).toEqual({ key, thrown: invalidArg });
    // encode() is given the detached view itself as `parts`: not an array.
    for (const key of BYTE_TAKERS.filter((k) => k !== 'encoderParts')) expect((result[key] as Thrown).message).toMatch(/detached/);
    expect(result['sinkFileSize']).toBe(0);
    expect(result['captureBlockSize']).toBe(0);
  });

  test('values that are not bytes are ERR_INVALID_ARG everywhere; the sink writes nothing', async () => {
    const result = await runCase('not-bytes');
    for (const key of BYTE_TAKERS) expect({ key, thrown: result[key] }).toEqual({ key, thrown: invalidArg });
    expect(result['sinkFileSize']).toBe(0);
    expect(result['captureBlockSize']).toBe(0);
  });

  test('options that are not objects are ERR_INVALID_OPTION (a spool takes the defaults); bad sink paths are ERR_INVALID_ARG', async () => {
    const invalidOption = expect.objectContaining<Partial<Thrown>>({ backendError: true, code: 'ERR_INVALID_OPTION' }) as unknown;
    expect(await runCase('bad-options')).toEqual({
      decoderNull: invalidOption,
      decoderString: invalidOption,
      encoderNull: invalidOption,
      sinkNull: invalidOption,
      sinkPathNumber: invalidArg,
      sinkPathEmpty: invalidArg,
      sinkPathNul: invalidArg,
      spoolWorks: true,
      files: [],
    });
  });

  test('capture-block payload ranges out of the chunk, unordered, overlapping or not integers are ERR_INVALID_ARG; nothing is appended', async () => {
    const result = await runCase('capture-block-ranges');
    const bad = ['notArray', 'arrayLike', 'odd', 'negative', 'fraction', 'nan', 'infinite', 'beyondChunk', 'descending', 'overlapping', 'notNumber', 'bigint', 'sparse', 'proxyArray'];
    for (const key of bad) expect({ key, thrown: result[key] }).toEqual({ key, thrown: invalidArg });
    // A getter's own exception reaches the caller; a getter that frees the chunk leaves a detached buffer, never a crash.
    expect(result['throwingGetter']).toEqual({ backendError: false, message: 'range getter says no' });
    expect(result['transferringGetter']).toEqual(invalidArg);
    expect((result['transferringGetter'] as Thrown).message).toMatch(/detached/);
    expect({ size: result['size'], unchanged: result['unchanged'], payloadUnchanged: result['payloadUnchanged'] }).toEqual({ size: 10, unchanged: true, payloadUnchanged: true });
  });

  test('spool.read() with a negative, NaN, fractional, unsafe or non-number range is ERR_INVALID_ARG', async () => {
    const result = await runCase('spool-read-range');
    for (const key of ['negative', 'nan', 'fraction', 'unsafe', 'infinite', 'notNumber']) {
      expect({ key, thrown: result[key] }).toEqual({ key, thrown: invalidArg });
    }
    expect(result['pastEnd']).toBe('89');
  });

  test('spool.read() of more than one Buffer can hold is ERR_INVALID_ARG; smaller reads still work', async () => {
    const result = await runCase('spool-read-huge', 110_000);
    expect(result['huge']).toEqual(invalidArg);
    expect((result['huge'] as Thrown).message).toMatch(/more than one Buffer can hold/);
    expect(result['tail']).toBe('070707');
  }, 120_000);
});
