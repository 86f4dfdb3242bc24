/**
 * A CA that signs leaf certificates: its certificate and private key, checked
 * once (a CA certificate, valid now, allowed to sign certificates, with this
 * key), then held as what issuing needs.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readIssuer, type IssuerName } from './certificate-builder';
import { CertificateError } from './errors';
import { signingKey, type SigningKey } from './signing-key';
import { spkiSha256 } from './spki';

/** The signing side of a CA, for the leaf issuer only. */
export interface CaIssuance {
  issuer: IssuerName;
  signer: SigningKey;
  notBefore: Date;
}

export class CertificateAuthority {
  /** PEM of the CA certificate: what clients trust. */
  readonly certPem: string;
  /** Base64 of sha256(DER SubjectPublicKeyInfo), Chromium's --ignore-certificate-errors-spki-list format. */
  readonly spkiSha256: string;
  /** The certificate's subject, e.g. `CN=warcwire CA host 2026-12-05 1a2b`. */
  readonly subject: string;
  readonly notAfter: Date;
  /** True when this call generated the CA (first use of a directory). */
  readonly created: boolean;
  /** Where the certificate was read from (absolute). */
  readonly certFile: string;
  /** Where its private key was read from (absolute). */
  readonly keyFile: string;
  /** @internal What the leaf issuer signs with. */
  readonly issuance: CaIssuance;

  private constructor(fields: Omit<CertificateAuthority, never>) {
    this.certPem = fields.certPem;
    this.spkiSha256 = fields.spkiSha256;
    this.subject = fields.subject;
    this.notAfter = fields.notAfter;
    this.created = fields.created;
    this.certFile = fields.certFile;
    this.keyFile = fields.keyFile;
    this.issuance = fields.issuance;
  }

  /**
   * Checks a CA certificate and its key (PEM text; the file names are for
   * messages) and prepares signing. Typed errors: ERR_CA_INVALID,
   * ERR_CA_KEY_MISMATCH.
   */
  static async fromPem(pair: { certPem: string; keyPem: string; certFile: string; keyFile: string; created: boolean }, now = new Date()): Promise<CertificateAuthority> {
    const certificate = parseCertificate(pair.certPem, pair.certFile);
    const key = parseKey(pair.keyPem, pair.keyFile);
    if (!certificate.checkPrivateKey(key)) {
      throw new CertificateError('ERR_CA_KEY_MISMATCH', `${pair.keyFile} is not the private key of the certificate in ${pair.certFile}`);
    }
    const { mayIssue, ...issuer } = readIssuerOf(certificate, pair.certFile);
    if (!mayIssue) throw new CertificateError('ERR_CA_INVALID', `${pair.certFile}: the certificate's keyUsage does not allow signing certificates (keyCertSign)`);
    // Node's X509Certificate.ca is OpenSSL's check: basicConstraints CA:TRUE (keyUsage was looked at above).
    if (!certificate.ca) {
      throw new CertificateError('ERR_CA_INVALID', `${pair.certFile} is not a CA certificate (its basicConstraints do not say CA:TRUE), so browsers would reject what it signs`);
    }
    const notBefore = new Date(certificate.validFrom);
    const notAfter = new Date(certificate.validTo);
    if (notAfter <= now) throw new CertificateError('ERR_CA_INVALID', `${pair.certFile}: the CA certificate expired on ${notAfter.toISOString()}`);
    if (notBefore > now) throw new CertificateError('ERR_CA_INVALID', `${pair.certFile}: the CA certificate is not valid before ${notBefore.toISOString()}`);
    return new CertificateAuthority({
      certPem: certificate.toString(),
      spkiSha256: spkiSha256(certificate.publicKey),
      subject: certificate.subject.split('\n').join(', '),
      notAfter,
      created: pair.created,
      certFile: pair.certFile,
      keyFile: pair.keyFile,
      issuance: { issuer, signer: await signingKey(key, pair.keyFile), notBefore },
    });
  }
}

function parseCertificate(pem: string, file: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CertificateError('ERR_CA_INVALID', `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new CertificateError('ERR_CA_INVALID', `${file}: the certificate cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function readIssuerOf(certificate: X509Certificate, file: string): ReturnType<typeof readIssuer> {
  try {
    return readIssuer(certificate.raw);
  } catch (err) {
    throw new CertificateError('ERR_CA_INVALID', `${file}: the certificate cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function parseKey(pem: string, file: string): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new CertificateError('ERR_CA_INVALID', `${file} is an encrypted private key; decrypt it first (openssl pkey -in KEY -out KEY.plain)`);
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) throw new CertificateError('ERR_CA_INVALID', `${file} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`);
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new CertificateError('ERR_CA_INVALID', `${file}: the private key cannot be read: ${(err as Error).message}`, { cause: err });
  }
}
