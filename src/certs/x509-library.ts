/**
 * pkijs and asn1js, loaded on first use, and the one crypto engine (Node's
 * WebCrypto) passed to every pkijs call. Loading pkijs stores a default engine
 * on a global named by the process id; a crawler that imports warcwire but
 * never intercepts TLS should not get it, so nothing requires pkijs before a
 * certificate is built or read.
 */
import { webcrypto } from 'node:crypto';
import type * as Asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';

export interface X509Library {
  pkijs: typeof Pkijs;
  asn1js: typeof Asn1js;
  engine: Pkijs.ICryptoEngine;
}

/** pkijs types WebCrypto with the DOM's `Crypto`; Node's `webcrypto` is that object. */
type EngineCrypto = ConstructorParameters<typeof Pkijs.CryptoEngine>[0]['crypto'];

let library: X509Library | undefined;

export function x509Library(): X509Library {
  if (!library) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkijs = require('pkijs') as typeof Pkijs;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const asn1js = require('asn1js') as typeof Asn1js;
    const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as EngineCrypto });
    library = { pkijs, asn1js, engine };
  }
  return library;
}
