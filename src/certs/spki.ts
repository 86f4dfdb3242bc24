import { createHash, type KeyObject } from 'node:crypto';

/**
 * Base64 of the SHA-256 of a public key's DER SubjectPublicKeyInfo: the form
 * Chromium's --ignore-certificate-errors-spki-list and HPKP pins take.
 */
export function spkiSha256(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}
