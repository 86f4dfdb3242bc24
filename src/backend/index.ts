/**
 * Backend selection: the native addon when it loads, else the pure-JS
 * fallback with one warning. WARCWIRE_BACKEND=native|js forces one; forcing
 * native when it cannot load is an error, never a silent fallback.
 */
import { BackendError } from './errors';
import { jsBackend } from './js';
import type { Backend, BackendName } from './types';

export { BackendError } from './errors';
export type { BackendErrorCode } from './errors';
export { jsBackend } from './js';

export const NATIVE_UNAVAILABLE_WARNING = 'WARCWIRE_NATIVE_UNAVAILABLE';

let selected: Backend | undefined;
let native: Backend | undefined;
let nativeFailure: string | undefined;
/** The error behind nativeFailure, kept as the cause of ERR_BACKEND_UNAVAILABLE. */
let nativeError: unknown;
let warned = false;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Loads the addon once; remembers why it failed so every caller gets the same answer. */
function tryNative(): Backend | undefined {
  if (native !== undefined || nativeFailure !== undefined) return native;
  try {
    // Required lazily so that a missing or broken addon only costs the fallback.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loader = require('./native') as { loadNativeBackend?: () => Backend };
    if (typeof loader.loadNativeBackend !== 'function') throw new Error('src/backend/native has no loadNativeBackend()');
    native = loader.loadNativeBackend();
  } catch (err) {
    nativeError = err;
    nativeFailure = describe(err);
  }
  return native;
}

const JS_HINT = 'set WARCWIRE_BACKEND=js to use the pure-JS backend';

function nativeUnavailable(): BackendError {
  const code = (nativeError as { code?: unknown } | undefined)?.code;
  // loadNativeBackend's own error already says what failed and how to build the addon: add only the other way out.
  if (code === 'ERR_BACKEND_UNAVAILABLE' && nativeFailure !== undefined) {
    return new BackendError('ERR_BACKEND_UNAVAILABLE', `${nativeFailure}, or ${JS_HINT}`, { cause: nativeError });
  }
  return new BackendError(
    'ERR_BACKEND_UNAVAILABLE',
    `the native warcwire addon cannot be loaded (${nativeFailure ?? 'unknown reason'}); ` +
      `build it with \`npm run build:native\` (needs a C++ compiler) or ${JS_HINT}`,
    { cause: nativeError },
  );
}

/** A specific backend; `native` throws ERR_BACKEND_UNAVAILABLE when the addon cannot load. */
export function getBackend(name: BackendName): Backend {
  if (name === 'js') return jsBackend;
  if (name === 'native') {
    const backend = tryNative();
    if (backend === undefined) throw nativeUnavailable();
    return backend;
  }
  throw new BackendError('ERR_INVALID_OPTION', `unknown backend ${JSON.stringify(name)} (expected 'native' or 'js')`);
}

/** The backend to use, chosen once per process (see the module comment). */
export function loadBackend(): Backend {
  if (selected !== undefined) return selected;
  const forced = process.env['WARCWIRE_BACKEND'];
  if (forced === 'native' || forced === 'js') {
    selected = getBackend(forced);
  } else if (forced === undefined || forced === '') {
    selected = tryNative() ?? jsBackend;
    if (selected === jsBackend && !warned) {
      warned = true;
      process.emitWarning(
        `warcwire: native addon unavailable (${nativeFailure ?? 'unknown reason'}); using the slower pure-JS backend`,
        { type: 'WarcwireWarning', code: NATIVE_UNAVAILABLE_WARNING },
      );
    }
  } else {
    throw new BackendError('ERR_INVALID_OPTION', `WARCWIRE_BACKEND must be 'native' or 'js', got ${JSON.stringify(forced)}`);
  }
  return selected;
}
