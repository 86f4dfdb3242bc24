import { WarcwireError } from '../errors';

/** Error codes of the certificate authority and the leaf issuer. */
export type CertificateErrorCode =
  | 'ERR_CA_FILE' // a CA file or directory cannot be read or written, or is unsafe (a readable key)
  | 'ERR_CA_INVALID' // a CA file is not a usable CA: not PEM, not a CA certificate, expired, unsupported key
  | 'ERR_CA_KEY_MISMATCH' // the private key is not the key of the CA certificate
  | 'ERR_LEAF_HOST' // a host name a leaf certificate was asked for is empty, too long or invalid
  | 'ERR_ISSUER_OPTIONS'; // a LeafIssuer option is invalid

export class CertificateError extends WarcwireError {
  declare readonly code: CertificateErrorCode;

  constructor(code: CertificateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
