/**
 * The openssl command-line tool as the independent reader and maker of
 * certificates in the certs tests: user CAs of several key types, text dumps,
 * verification, and SPKI hashes computed its own way.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function openssl(args: string[], input?: string | Buffer): string {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

/** `openssl verify -CAfile ca leaf`: exit status and output. */
export function opensslVerify(caFile: string, leafPem: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-verify-'));
  try {
    const leafFile = join(dir, 'leaf.pem');
    writeFileSync(leafFile, leafPem);
    const run = spawnSync('openssl', ['verify', '-CAfile', caFile, leafFile], { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** base64(sha256(DER SPKI)) the way Chromium's documentation computes it, through openssl alone. */
export function opensslSpkiSha256(certPem: string): string {
  const publicKey = openssl(['x509', '-pubkey', '-noout'], certPem);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: publicKey });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return digest.toString('base64');
}

export type UserCaKey = 'rsa' | 'ec-p256' | 'ec-p384' | 'ed25519';

const KEY_ARGS: Record<UserCaKey, string[]> = {
  rsa: ['-newkey', 'rsa:2048'],
  'ec-p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ec-p384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ed25519: ['-newkey', 'ed25519'],
};

/** A certificate and key made by openssl in `dir` as `name.pem` / `name-key.pem`; a CA unless `extensions` say otherwise. */
export function opensslCertificate(
  dir: string,
  name: string,
  options: { key?: UserCaKey; extensions?: string[]; days?: number } = {},
): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const extensions = options.extensions ?? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl([
    'req', '-x509', ...KEY_ARGS[options.key ?? 'ec-p256'], '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', String(options.days ?? 30), '-subj', `/CN=${name} test CA`,
    ...extensions.flatMap((e) => ['-addext', e]),
  ]);
  return { certFile, keyFile };
}
