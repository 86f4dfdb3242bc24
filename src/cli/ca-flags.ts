/** `--ca-dir DIR` or `--ca-cert FILE --ca-key FILE` (record-proxy; the same flags as `warcwire ca`): the CA that signs the certificates shown to the browser. */
import { resolve } from 'node:path';
import { defaultCaDirectory, type CaSource } from '../certs';
import { UsageError } from './args';

/** The CA the flags name; by default the per-user generated one (defaultCaDirectory). */
export function caSource(values: { 'ca-dir'?: string; 'ca-cert'?: string; 'ca-key'?: string }): CaSource {
  const cert = values['ca-cert'];
  const key = values['ca-key'];
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? ['--ca-key', '--ca-cert'] : ['--ca-cert', '--ca-key'];
    throw new UsageError(`${given} needs ${missing}: a CA of your own is given as its certificate and its private key (PEM files)`);
  }
  if (cert !== undefined && key !== undefined) {
    if (values['ca-dir'] !== undefined) throw new UsageError('--ca-dir cannot be combined with --ca-cert/--ca-key: use a generated CA or your own, not both');
    return { certFile: resolve(cert), keyFile: resolve(key) };
  }
  return { dir: resolve(values['ca-dir'] ?? defaultCaDirectory()) };
}
