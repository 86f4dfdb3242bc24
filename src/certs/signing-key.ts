/**
 * A CA's private key as WebCrypto needs it for signing: RSA (PKCS #1 v1.5) or
 * ECDSA on P-256/P-384/P-521, with the hash conventional for the key.
 */
import { webcrypto, type KeyObject } from 'node:crypto';
import { CertificateError } from './errors';

export interface SigningKey {
  /** Non-extractable: the key never leaves WebCrypto again. */
  key: webcrypto.CryptoKey;
  hash: 'SHA-256' | 'SHA-384' | 'SHA-512';
}

const CURVES: Record<string, { namedCurve: string; hash: SigningKey['hash'] }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

/** `source` names the key in messages (a file path). */
export async function signingKey(privateKey: KeyObject, source: string): Promise<SigningKey> {
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  if (privateKey.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']), hash: 'SHA-256' };
  }
  const curve = privateKey.asymmetricKeyType === 'ec' ? CURVES[privateKey.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!curve) {
    const kind = privateKey.asymmetricKeyType === 'ec' ? `EC on curve ${privateKey.asymmetricKeyDetails?.namedCurve ?? '?'}` : privateKey.asymmetricKeyType ?? 'of an unknown type';
    throw new CertificateError('ERR_CA_INVALID', `${source}: a CA key must be RSA or EC on P-256, P-384 or P-521 (this key is ${kind})`);
  }
  const algorithm = { name: 'ECDSA', namedCurve: curve.namedCurve };
  return { key: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']), hash: curve.hash };
}
