/**
 * Builds and signs the two kinds of certificate warcwire makes: its own CA
 * (self-signed, CA:TRUE pathlen 0) and the per-host leaves under a CA. pkijs
 * encodes; WebCrypto signs off the event loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as Asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import type { LeafHost } from './leaf-host';
import type { SigningKey } from './signing-key';
import { x509Library } from './x509-library';

/** A name and key identifier a certificate is issued under, taken once from the issuer's certificate. */
export interface IssuerName {
  name: Pkijs.RelativeDistinguishedNames;
  /** The issuer's subject key identifier: the leaf's authority key identifier. */
  keyId: ArrayBuffer;
}

/** A subject public key in DER (SubjectPublicKeyInfo), parsed once and reused for every certificate of that key. */
export interface SubjectKey {
  info: Pkijs.PublicKeyInfo;
  keyId: ArrayBuffer;
}

export interface CertificateValidity {
  notBefore: Date;
  notAfter: Date;
}

const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** RFC 5280 upper bound of a CommonName. */
export const MAX_COMMON_NAME = 64;

export function subjectKey(spkiDer: Uint8Array): SubjectKey {
  const info = x509Library().pkijs.PublicKeyInfo.fromBER(spkiDer);
  return { info, keyId: keyIdOf(info) };
}

/**
 * Reads what issuing under a CA certificate (DER) needs: its subject, its key
 * identifier (the declared one, else computed), and whether its keyUsage
 * allows signing certificates (true when it has no keyUsage extension).
 */
export function readIssuer(certificateDer: Uint8Array): IssuerName & { mayIssue: boolean } {
  const certificate = x509Library().pkijs.Certificate.fromBER(certificateDer);
  const find = (oid: string): Uint8Array | undefined =>
    (certificate.extensions?.find((e) => e.extnID === oid)?.parsedValue as Asn1js.OctetString | Asn1js.BitString | undefined)?.valueBlock.valueHexView;
  const declaredKeyId = find(OID.subjectKeyId);
  const usage = find(OID.keyUsage);
  return {
    name: certificate.subject,
    keyId: declaredKeyId ? toArrayBuffer(declaredKeyId) : keyIdOf(certificate.subjectPublicKeyInfo),
    mayIssue: usage === undefined || ((usage[0] ?? 0) & 0x04) !== 0, // keyCertSign is bit 5
  };
}

/** A self-signed CA certificate: CA:TRUE pathlen 0, keyCertSign and cRLSign. Returns PEM. */
export async function signCaCertificate(input: { commonName: string; key: SubjectKey; signer: SigningKey; validity: CertificateValidity }): Promise<string> {
  const { pkijs } = x509Library();
  const name = distinguishedName([[OID.commonName, input.commonName]]);
  return sign(
    {
      subject: name,
      issuer: { name, keyId: input.key.keyId },
      key: input.key,
      validity: input.validity,
      extensions: [
        extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        keyUsage(0x06, 1), // keyCertSign (bit 5) and cRLSign (bit 6): the last bit used is 6, so one bit unused
      ],
    },
    input.signer,
  );
}

/** A leaf for one host under `issuer`: serverAuth, digitalSignature, the host as its only subjectAltName. Returns PEM. */
export async function signLeafCertificate(input: { host: LeafHost; key: SubjectKey; issuer: IssuerName; signer: SigningKey; validity: CertificateValidity }): Promise<string> {
  const { pkijs, asn1js } = x509Library();
  // A host longer than a CommonName may be leaves the subject empty; the
  // subjectAltName is then critical, as RFC 5280 4.2.1.6 asks.
  const fits = input.host.name.length <= MAX_COMMON_NAME;
  const altName = input.host.kind === 'ip'
    ? new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: input.host.bytes }) })
    : new pkijs.GeneralName({ type: 2, value: input.host.name });
  return sign(
    {
      subject: distinguishedName(fits ? [[OID.commonName, input.host.name]] : []),
      issuer: input.issuer,
      key: input.key,
      validity: input.validity,
      extensions: [
        extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false })),
        keyUsage(0x80, 7), // digitalSignature (bit 0)
        extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.serverAuth] })),
        extension(OID.subjectAltName, !fits, new pkijs.GeneralNames({ names: [altName] })),
      ],
    },
    input.signer,
  );
}

interface CertificateFields {
  subject: Pkijs.RelativeDistinguishedNames;
  issuer: IssuerName;
  key: SubjectKey;
  validity: CertificateValidity;
  extensions: Pkijs.Extension[];
}

async function sign(fields: CertificateFields, signer: SigningKey): Promise<string> {
  const { pkijs, asn1js, engine } = x509Library();
  const certificate = new pkijs.Certificate({
    version: 2, // v3
    serialNumber: new asn1js.Integer({ valueHex: serialNumber() }),
    issuer: fields.issuer.name,
    subject: fields.subject,
    notBefore: time(fields.validity.notBefore),
    notAfter: time(fields.validity.notAfter),
    subjectPublicKeyInfo: fields.key.info,
    extensions: [
      ...fields.extensions,
      extension(OID.subjectKeyId, false, new asn1js.OctetString({ valueHex: fields.key.keyId })),
      extension(OID.authorityKeyId, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: fields.issuer.keyId }) })),
    ],
  });
  // pkijs types keys with the DOM's CryptoKey; Node's webcrypto key is that object.
  await certificate.sign(signer.key as unknown as Parameters<Pkijs.Certificate['sign']>[0], signer.hash, engine);
  return pem(new Uint8Array(certificate.toSchema().toBER()));
}

/** 16 random bytes, first bit clear (positive) and second set (no leading zero byte to strip): always a 16-byte DER INTEGER. */
function serialNumber(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(date: Date): Pkijs.Time {
  const { pkijs } = x509Library();
  return new pkijs.Time({ type: date.getUTCFullYear() < 2050 ? 0 : 1, value: date });
}

/**
 * A Name of at most one attribute: pkijs would put several into one
 * multi-valued RDN, and an empty one into an empty RDN, which is not DER;
 * an empty Name is an empty SEQUENCE.
 */
function distinguishedName(attributes: ReadonlyArray<[oid: string, value: string]>): Pkijs.RelativeDistinguishedNames {
  const { pkijs, asn1js } = x509Library();
  if (attributes.length === 0) return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence().toBER());
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: attributes.map(([type, value]) => new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value }) })),
  });
}

function extension(extnID: string, critical: boolean, value: { toSchema(): { toBER(sizeOnly?: boolean): ArrayBuffer } } | Asn1js.BaseBlock): Pkijs.Extension {
  const { pkijs } = x509Library();
  const der = 'toSchema' in value ? value.toSchema().toBER(false) : value.toBER(false);
  return new pkijs.Extension({ extnID, critical, extnValue: der });
}

/** The keyUsage BIT STRING: `bits` is its one byte, `unused` the trailing bits past the last usage. */
function keyUsage(bits: number, unused: number): Pkijs.Extension {
  const { asn1js } = x509Library();
  return extension(OID.keyUsage, true, new asn1js.BitString({ valueHex: new Uint8Array([bits]), unusedBits: unused }));
}

function pem(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** SHA-1 of the public key bits (RFC 5280 4.2.1.2, method 1). */
function keyIdOf(info: Pkijs.PublicKeyInfo): ArrayBuffer {
  return toArrayBuffer(createHash('sha1').update(info.subjectPublicKey.valueBlock.valueHexView).digest());
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
