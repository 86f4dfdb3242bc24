import { loadBackend } from '../backend/index';
import type { Backend } from '../backend/types';

/** The backend `loadBackend()` picks (native, else js; WARCWIRE_BACKEND forces one). */
export async function defaultBackend(): Promise<Backend> {
  return loadBackend();
}
