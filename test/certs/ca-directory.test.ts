/** The CA warcwire generates and keeps in a directory: its files, modes, profile, and first use by several processes at once. */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_CERT_FILE, CA_KEY_FILE, CertificateError, loadCertificateAuthority } from '../../src/certs';
import { openssl, opensslSpkiSha256 } from '../helpers/openssl-ca';

const root = mkdtempSync(join(tmpdir(), 'warcwire-ca-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;
const freshDir = (): string => join(root, `ca-${++serial}`, 'nested');

async function loadError(dir: string): Promise<CertificateError> {
  const error = await loadCertificateAuthority({ dir }).then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(CertificateError);
  return error as CertificateError;
}

/** A directory holding only the key of a CA generated in `donor`: what another process leaves between its two links. */
async function keyWithoutCertificate(): Promise<{ dir: string; donor: string }> {
  const donor = freshDir();
  await loadCertificateAuthority({ dir: donor });
  const dir = freshDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, CA_KEY_FILE), readFileSync(join(donor, CA_KEY_FILE)), { mode: 0o600 });
  return { dir, donor };
}

describe('a CA generated in a directory', () => {
  test('is created on first use (dir 0700, key 0600), read back unchanged on the next, and is the CA openssl sees', async () => {
    const dir = freshDir();
    const first = await loadCertificateAuthority({ dir });
    expect(first.created).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(first.certFile).toBe(join(dir, CA_CERT_FILE));
    const onDisk = readFileSync(join(dir, CA_CERT_FILE), 'utf8');
    expect(first.certPem).toBe(onDisk);

    const second = await loadCertificateAuthority({ dir });
    expect(second.created).toBe(false);
    expect(second.certPem).toBe(first.certPem);
    expect(second.spkiSha256).toBe(first.spkiSha256);

    expect(first.spkiSha256).toBe(opensslSpkiSha256(onDisk));
    const text = openssl(['x509', '-noout', '-text'], onDisk);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/Subject Key Identifier/);
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], onDisk).trim();
    expect(subject).toMatch(/^subject=CN=warcwire CA \S+ \d{4}-\d\d-\d\d [0-9a-f]{4}$/);
    expect(first.subject).toBe(subject.replace('subject=', ''));
    // About ten years, to the day.
    const years = (first.notAfter.getTime() - Date.now()) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    expect(openssl(['pkey', '-in', join(dir, CA_KEY_FILE), '-noout', '-text'])).toContain('NIST CURVE: P-256');
  });

  test('two directories get two different CAs', async () => {
    const [a, b] = await Promise.all([loadCertificateAuthority({ dir: freshDir() }), loadCertificateAuthority({ dir: freshDir() })]);
    expect(a.spkiSha256).not.toBe(b.spkiSha256);
    expect(a.subject).not.toBe(b.subject);
  });

  test('first use by eight callers at once in one process leaves one pair, created by exactly one', async () => {
    const dir = freshDir();
    const all = await Promise.all(Array.from({ length: 8 }, () => loadCertificateAuthority({ dir })));
    expect(all.filter((ca) => ca.created)).toHaveLength(1);
    expect(new Set(all.map((ca) => ca.spkiSha256)).size).toBe(1);
    expect(all[0]!.spkiSha256).toBe(opensslSpkiSha256(readFileSync(join(dir, CA_CERT_FILE), 'utf8')));
  });

  test('first use by four processes at once leaves one matching pair, and no temporary file', async () => {
    const dir = freshDir();
    const script = `require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'certs'))}).loadCertificateAuthority({ dir: process.argv[1] })` +
      '.then((ca) => process.stdout.write(JSON.stringify({ spki: ca.spkiSha256, created: ca.created })), (err) => { console.error(err); process.exit(1); })';
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<{ spki: string; created: boolean }>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { spki: string; created: boolean }) : reject(new Error(`child exited ${code}`))));
      })),
    );
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(runs.map((r) => r.spki))).toEqual(new Set([opensslSpkiSha256(readFileSync(join(dir, CA_CERT_FILE), 'utf8'))]));
    // The pair on disk matches: openssl derives the same public key from the key file.
    const fromKey = openssl(['pkey', '-in', join(dir, CA_KEY_FILE), '-pubout']);
    expect(fromKey).toBe(openssl(['x509', '-noout', '-pubkey', '-in', join(dir, CA_CERT_FILE)]));
    expect(readdirSync(dir).sort()).toEqual([CA_KEY_FILE, CA_CERT_FILE].sort());
  });

  test('a key file others may read is refused, naming the fix', async () => {
    const dir = freshDir();
    await loadCertificateAuthority({ dir });
    chmodSync(join(dir, CA_KEY_FILE), 0o644);
    const error = await loadError(dir);
    expect(error.code).toBe('ERR_CA_FILE');
    expect(error.message).toContain(`may be read by other users (mode 0644)`);
    expect(error.message).toContain(`chmod 600 ${join(dir, CA_KEY_FILE)}`);
  });

  test('a certificate without its key is not replaced by a new CA', async () => {
    const dir = freshDir();
    const ca = await loadCertificateAuthority({ dir });
    rmSync(join(dir, CA_KEY_FILE));
    const error = await loadError(dir);
    expect(error.code).toBe('ERR_CA_FILE');
    expect(error.message).toContain(`${join(dir, CA_CERT_FILE)} exists but its key`);
    expect(readFileSync(join(dir, CA_CERT_FILE), 'utf8')).toBe(ca.certPem);
  });

  test('a key whose certificate is still being linked by another process is waited for', async () => {
    const { dir, donor } = await keyWithoutCertificate();
    const loading = loadCertificateAuthority({ dir });
    setTimeout(() => writeFileSync(join(dir, CA_CERT_FILE), readFileSync(join(donor, CA_CERT_FILE))), 150);
    const ca = await loading;
    expect(ca.created).toBe(false);
    expect(ca.certPem).toBe(readFileSync(join(donor, CA_CERT_FILE), 'utf8'));
  });

  test('a key whose certificate never comes is an error after a few seconds, not a new CA', async () => {
    const { dir } = await keyWithoutCertificate();
    const started = Date.now();
    const error = await loadError(dir);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(error.code).toBe('ERR_CA_FILE');
    expect(error.message).toContain('remove the key to generate a new CA');
  });

  test('a directory that cannot be created is ERR_CA_FILE', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    const error = await loadError(join(file, 'ca'));
    expect(error.code).toBe('ERR_CA_FILE');
    expect(error.message).toContain(`cannot create the CA directory ${join(file, 'ca')}`);
  });
});
