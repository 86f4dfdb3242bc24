/** TLS interception's certificates: a CA (generated or the user's) and the per-host leaves it signs. */
export { CA_CERT_FILE, CA_KEY_FILE, loadCertificateAuthority, type CaSource } from './ca-files';
export { CertificateAuthority } from './certificate-authority';
export { CertificateError, type CertificateErrorCode } from './errors';
export { DEFAULT_MAX_CACHED_LEAVES, LeafIssuer, type LeafIssuerOptions } from './leaf-issuer';
export { defaultCaDirectory } from './default-ca-dir';
