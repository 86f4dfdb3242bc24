import { BackendError } from '../../src/backend/errors';
import type { Backend } from '../../src/backend/types';

type BackendModule = typeof import('../../src/backend');

/** A fresh copy of the loader (its cache and warning flag start empty) under a given WARCWIRE_BACKEND. */
function freshLoader(env: string | undefined): { load: () => Backend; module: BackendModule; warnings: unknown[][]; restore: () => void } {
  const saved = process.env['WARCWIRE_BACKEND'];
  if (env === undefined) delete process.env['WARCWIRE_BACKEND'];
  else process.env['WARCWIRE_BACKEND'] = env;
  const warnings: unknown[][] = [];
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => {
    warnings.push(args);
  });
  let module!: BackendModule;
  jest.isolateModules(() => {
    module = require('../../src/backend') as BackendModule;
  });
  return {
    load: () => module.loadBackend(),
    module,
    warnings,
    restore: () => {
      spy.mockRestore();
      if (saved === undefined) delete process.env['WARCWIRE_BACKEND'];
      else process.env['WARCWIRE_BACKEND'] = saved;
    },
  };
}

/** Whether the native addon loads in this process, and why not. */
function nativeStatus(): { loads: boolean; error?: BackendError } {
  const probe = freshLoader('js');
  try {
    probe.module.getBackend('native');
    return { loads: true };
  } catch (err) {
    return { loads: false, error: err as BackendError };
  } finally {
    probe.restore();
  }
}

describe('backend selection', () => {
  test('under the suite, loadBackend() returns the backend WARCWIRE_BACKEND names', () => {
    const wanted = process.env['WARCWIRE_BACKEND'];
    const { loadBackend } = require('../../src/backend') as BackendModule;
    const backend = loadBackend();
    if (wanted === 'native' || wanted === 'js') expect(backend.name).toBe(wanted);
    expect(loadBackend()).toBe(backend); // cached
  });

  test('WARCWIRE_BACKEND=js forces js without a warning', () => {
    const loader = freshLoader('js');
    try {
      expect(loader.load().name).toBe('js');
      expect(loader.warnings).toEqual([]);
    } finally {
      loader.restore();
    }
  });

  test('unset: native when it loads, else js with exactly one warning carrying a code', () => {
    const native = nativeStatus();
    const loader = freshLoader(undefined);
    try {
      const first = loader.load();
      const second = loader.load();
      expect(second).toBe(first);
      if (native.loads) {
        expect(first.name).toBe('native');
        expect(loader.warnings).toEqual([]);
      } else {
        expect(first.name).toBe('js');
        expect(loader.warnings.length).toBe(1);
        expect(String(loader.warnings[0]![0])).toMatch(/native addon unavailable/);
        expect(loader.warnings[0]![1]).toEqual(expect.objectContaining({ code: loader.module.NATIVE_UNAVAILABLE_WARNING }));
      }
    } finally {
      loader.restore();
    }
  });

  test('WARCWIRE_BACKEND=native: the addon, or ERR_BACKEND_UNAVAILABLE saying how to fix it', () => {
    const native = nativeStatus();
    const loader = freshLoader('native');
    try {
      if (native.loads) {
        expect(loader.load().name).toBe('native');
      } else {
        let error: unknown;
        try {
          loader.load();
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(BackendError);
        expect((error as BackendError).code).toBe('ERR_BACKEND_UNAVAILABLE');
        const message = (error as BackendError).message;
        // Each way out is named exactly once (the loader's own hint is not repeated).
        expect(message.split('npm run build:native')).toHaveLength(2);
        expect(message.split('WARCWIRE_BACKEND=js')).toHaveLength(2);
        expect(loader.warnings).toEqual([]);
      }
    } finally {
      loader.restore();
    }
  });

  test('an unknown WARCWIRE_BACKEND value is ERR_INVALID_OPTION', () => {
    const loader = freshLoader('turbo');
    try {
      expect(() => loader.load()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }) as unknown as Error);
    } finally {
      loader.restore();
    }
  });
});
