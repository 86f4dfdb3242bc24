import * as dependency from 'undici';
import { ClientError } from './errors';

/**
 * The undici this library builds on: the base class of its Dispatcher, the
 * Client that runs each connection and `request` behind `WarcClient.fetch`.
 * That is the package's dependency (undici 7). For the test suites only,
 * `WARCWIRE_TEST_UNDICI=undici8` swaps in undici 8, installed as a dev
 * dependency under that alias, so the same suites run on it; the tests import
 * undici from here too. Callers may drive the dispatcher from any undici.
 */
function load(): typeof dependency {
  const alias = process.env.WARCWIRE_TEST_UNDICI;
  if (alias === undefined || alias === '' || alias === 'undici') return dependency;
  if (alias !== 'undici8') {
    throw new ClientError('ERR_INVALID_SETTING', `WARCWIRE_TEST_UNDICI must be "undici" or "undici8", got ${JSON.stringify(alias)}`);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('undici8') as typeof dependency;
  } catch (err) {
    throw new ClientError('ERR_INVALID_SETTING', `WARCWIRE_TEST_UNDICI=undici8 but undici 8 cannot be loaded (a dev dependency; it needs Node >= 22.19): ${(err as Error).message}`, { cause: err });
  }
}

export const undici: typeof dependency = load();
