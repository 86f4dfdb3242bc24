/** A CA the user brings (certificate and key files made with openssl): RSA and EC CAs issue verifiable leaves; unusable files are typed errors. */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority, CertificateError, LeafIssuer, loadCertificateAuthority, type CaSource } from '../../src/certs';
import { openssl, opensslCertificate, opensslSpkiSha256, opensslVerify } from '../helpers/openssl-ca';

const root = mkdtempSync(join(tmpdir(), 'warcwire-user-ca-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function loadError(source: CaSource): Promise<CertificateError> {
  const error = await loadCertificateAuthority(source).then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(CertificateError);
  return error as CertificateError;
}

describe("a user's CA", () => {
  test.each([
    ['RSA', 'rsa', 'sha256WithRSAEncryption'],
    ['EC P-256', 'ec-p256', 'ecdsa-with-SHA256'],
    ['EC P-384', 'ec-p384', 'ecdsa-with-SHA384'],
  ] as const)('%s: loaded as is (files untouched), its leaves verify with openssl', async (_name, key, algorithm) => {
    const files = opensslCertificate(root, `user-${key}`, { key });
    const before = [readFileSync(files.certFile), readFileSync(files.keyFile)];
    const ca = await loadCertificateAuthority(files);
    expect(ca.created).toBe(false);
    expect([ca.certFile, ca.keyFile]).toEqual([files.certFile, files.keyFile]);
    expect(ca.subject).toBe(`CN=user-${key} test CA`);
    expect(ca.spkiSha256).toBe(opensslSpkiSha256(readFileSync(files.certFile, 'utf8')));
    const pem = await new LeafIssuer(ca).certificatePem('leaf.test');
    expect(opensslVerify(files.certFile, pem)).toEqual({ ok: true, output: expect.stringMatching(/: OK\n$/) });
    expect(openssl(['x509', '-noout', '-text'], pem)).toContain(`Signature Algorithm: ${algorithm}`);
    expect([readFileSync(files.certFile), readFileSync(files.keyFile)]).toEqual(before);
  });

  test('a key in PKCS #1 (BEGIN RSA PRIVATE KEY) form is read too', async () => {
    const files = opensslCertificate(root, 'pkcs1', { key: 'rsa' });
    const keyFile = join(root, 'pkcs1-traditional.pem');
    writeFileSync(keyFile, openssl(['pkey', '-in', files.keyFile, '-traditional']));
    expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    const ca = await loadCertificateAuthority({ certFile: files.certFile, keyFile });
    expect(opensslVerify(files.certFile, await new LeafIssuer(ca).certificatePem('x.test')).ok).toBe(true);
  });

  test('a key that is not the certificate\'s is ERR_CA_KEY_MISMATCH', async () => {
    const a = opensslCertificate(root, 'mismatch-a');
    const b = opensslCertificate(root, 'mismatch-b');
    const error = await loadError({ certFile: a.certFile, keyFile: b.keyFile });
    expect(error.code).toBe('ERR_CA_KEY_MISMATCH');
    expect(error.message).toBe(`${b.keyFile} is not the private key of the certificate in ${a.certFile}`);
  });

  test('a certificate that is not a CA, or may not sign certificates, is ERR_CA_INVALID', async () => {
    const leaf = opensslCertificate(root, 'not-ca', { extensions: ['basicConstraints=critical,CA:FALSE'] });
    const notCa = await loadError(leaf);
    expect(notCa.code).toBe('ERR_CA_INVALID');
    expect(notCa.message).toContain(`${leaf.certFile} is not a CA certificate (its basicConstraints do not say CA:TRUE)`);
    const noSigning = opensslCertificate(root, 'no-cert-sign', { extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature'] });
    const error = await loadError(noSigning);
    expect(error.code).toBe('ERR_CA_INVALID');
    expect(error.message).toContain("keyUsage does not allow signing certificates (keyCertSign)");
  });

  test('an Ed25519 CA is ERR_CA_INVALID (browsers do not accept Ed25519 signatures)', async () => {
    const files = opensslCertificate(root, 'ed', { key: 'ed25519' });
    const error = await loadError(files);
    expect(error.code).toBe('ERR_CA_INVALID');
    expect(error.message).toBe(`${files.keyFile}: a CA key must be RSA or EC on P-256, P-384 or P-521 (this key is ed25519)`);
  });

  test('garbage, an encrypted key, a missing file and a bad source are typed errors with readable messages', async () => {
    const good = opensslCertificate(root, 'good');
    const garbage = join(root, 'garbage.pem');
    writeFileSync(garbage, 'hello, not a certificate\n');
    const cut = join(root, 'cut.pem');
    writeFileSync(cut, readFileSync(good.certFile, 'utf8').replace(/\n[A-Za-z0-9+/=]+\n-----END/, '\n-----END'));
    const encrypted = join(root, 'encrypted.pem');
    writeFileSync(encrypted, openssl(['pkey', '-in', good.keyFile, '-aes256', '-passout', 'pass:secret']));
    const cases: Array<[CaSource, string, string]> = [
      [{ certFile: garbage, keyFile: good.keyFile }, 'ERR_CA_INVALID', `${garbage} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`],
      [{ certFile: good.certFile, keyFile: garbage }, 'ERR_CA_INVALID', `${garbage} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`],
      [{ certFile: cut, keyFile: good.keyFile }, 'ERR_CA_INVALID', `${cut}: the certificate cannot be read: `],
      [{ certFile: good.certFile, keyFile: encrypted }, 'ERR_CA_INVALID', `${encrypted} is an encrypted private key; decrypt it first`],
      [{ certFile: join(root, 'absent.pem'), keyFile: good.keyFile }, 'ERR_CA_FILE', `${join(root, 'absent.pem')} does not exist`],
      [{ certFile: root, keyFile: good.keyFile }, 'ERR_CA_FILE', `${root} is not a file`],
      [{} as CaSource, 'ERR_CA_FILE', 'a CA source is { dir } or { certFile, keyFile } (paths)'],
    ];
    for (const [source, code, message] of cases) {
      const error = await loadError(source);
      expect([code, error.message.slice(0, message.length)]).toEqual([error.code, message]);
    }
  });

  test('an expired CA, or one not valid yet, is ERR_CA_INVALID', async () => {
    const files = opensslCertificate(root, 'dated', { days: 30 });
    const pair = { certPem: readFileSync(files.certFile, 'utf8'), keyPem: readFileSync(files.keyFile, 'utf8'), ...files, created: false };
    const at = async (now: Date): Promise<CertificateError> => {
      const error = await CertificateAuthority.fromPem(pair, now).then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(CertificateError);
      return error as CertificateError;
    };
    const later = await at(new Date(Date.now() + 31 * 24 * 3600 * 1000));
    expect(later.code).toBe('ERR_CA_INVALID');
    expect(later.message).toMatch(/the CA certificate expired on \d{4}-/);
    const earlier = await at(new Date(Date.now() - 24 * 3600 * 1000));
    expect(earlier.message).toMatch(/the CA certificate is not valid before \d{4}-/);
    await expect(CertificateAuthority.fromPem(pair)).resolves.toBeInstanceOf(CertificateAuthority);
  });
});
