/**
 * Child of loader.test.ts: loads the native backend through src/backend/native (the copy next
 * to this process's WARCWIRE_NATIVE_MODULE, or the real one) and prints where it came from.
 */
import type { Backend } from '../../../src/backend/types';

interface Loader {
  loadNativeBackend(): Backend;
  nativeAddonPath(): string | undefined;
}

const modulePath = process.env['WARCWIRE_NATIVE_MODULE'] ?? '../../../src/backend/native';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loader = require(modulePath) as Loader;
try {
  const backend = loader.loadNativeBackend();
  const digest = backend.createDigest('sha1');
  process.stdout.write(JSON.stringify({ loaded: loader.nativeAddonPath(), name: backend.name, empty: digest.label() }));
} catch (err) {
  const e = err as { name?: string; code?: string; message?: string };
  process.stdout.write(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message } }));
}
