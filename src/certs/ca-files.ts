/**
 * Where a CA comes from: a directory warcwire owns (generated there on first
 * use) or a user's certificate and key files (read, never written).
 *
 * A generated pair appears safely even when several processes start on one
 * empty directory at once: each writes its pair to temporary files (the key
 * created 0600, so never readable by others even briefly), then hard-links the
 * key into place first. link() fails when the name exists, so exactly one
 * process wins; it links its certificate next, and the others read the
 * winner's pair. A reader that finds the key but not yet the certificate
 * waits for it a moment.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDirectory } from '../make-directory';
import { CertificateAuthority } from './certificate-authority';
import { CertificateError } from './errors';
import { newCertificateAuthority } from './new-ca';

export type CaSource = { dir: string } | { certFile: string; keyFile: string };

export const CA_CERT_FILE = 'warcwire-ca.pem';
export const CA_KEY_FILE = 'warcwire-ca-key.pem';

/** Far more than any PEM certificate or key: a bigger file is not one. */
const MAX_PEM_BYTES = 1 << 20;
/** How long a reader waits for the certificate of a key another process has just linked. */
const PAIR_WAIT_MS = 5_000;

/**
 * Loads a CA, generating it on first use of a directory (created 0700).
 * Paths are made absolute (against the working directory), so the
 * `certFile` shown to users works from anywhere.
 * Typed errors: ERR_CA_FILE (unreadable, unwritable, a key file readable by
 * others), ERR_CA_INVALID, ERR_CA_KEY_MISMATCH.
 */
export async function loadCertificateAuthority(source: CaSource): Promise<CertificateAuthority> {
  // Quietly taking the directory would show browsers a new CA where the user meant their own.
  if (typeof source === 'object' && source !== null && 'dir' in source && ('certFile' in source || 'keyFile' in source)) {
    throw new CertificateError('ERR_CA_FILE', 'a CA source is { dir } or { certFile, keyFile }, not both');
  }
  if (typeof source === 'object' && source !== null && 'dir' in source && typeof source.dir === 'string' && source.dir !== '') return loadDirectory(resolve(source.dir));
  if (typeof source === 'object' && source !== null && 'certFile' in source && typeof source.certFile === 'string' && typeof source.keyFile === 'string') {
    const [certFile, keyFile] = [resolve(source.certFile), resolve(source.keyFile)];
    const [certPem, keyPem] = await Promise.all([readPem(certFile, false), readPem(keyFile, false)]);
    if (certPem === undefined || keyPem === undefined) throw new CertificateError('ERR_CA_FILE', `${certPem === undefined ? certFile : keyFile} does not exist`);
    return CertificateAuthority.fromPem({ certPem, keyPem, certFile, keyFile, created: false });
  }
  throw new CertificateError('ERR_CA_FILE', 'a CA source is { dir } or { certFile, keyFile } (paths)');
}

async function loadDirectory(dir: string): Promise<CertificateAuthority> {
  const certFile = join(dir, CA_CERT_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  try {
    await makeDirectory(dir, 0o700);
  } catch (err) {
    throw fileError(`cannot create the CA directory ${dir}`, err);
  }
  const waitUntil = Date.now() + PAIR_WAIT_MS;
  for (;;) {
    // Certificate first: the key is linked before it, so a certificate seen
    // means its key is there to read too.
    const certPem = await readPem(certFile, false);
    const keyPem = await readPem(keyFile, true);
    if (certPem !== undefined && keyPem !== undefined) return CertificateAuthority.fromPem({ certPem, keyPem, certFile, keyFile, created: false });
    if (certPem !== undefined) {
      throw new CertificateError('ERR_CA_FILE', `${certFile} exists but its key ${keyFile} does not: restore the key, or remove the certificate to generate a new CA (which clients must then trust)`);
    }
    if (keyPem === undefined) {
      const made = await createPair(dir, certFile, keyFile);
      if (made) return CertificateAuthority.fromPem({ ...made, certFile, keyFile, created: true });
      continue; // another process linked its key first: read its pair
    }
    if (Date.now() > waitUntil) {
      throw new CertificateError('ERR_CA_FILE', `${keyFile} exists but its certificate ${certFile} does not (was a CA generation cut short?): remove the key to generate a new CA`);
    }
    await sleep(20);
  }
}

/** Writes a new pair; undefined when another process's key got there first. */
async function createPair(dir: string, certFile: string, keyFile: string): Promise<{ certPem: string; keyPem: string } | undefined> {
  const pair = await newCertificateAuthority();
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const keyTemp = join(dir, `.${CA_KEY_FILE}.${tag}`);
  const certTemp = join(dir, `.${CA_CERT_FILE}.${tag}`);
  try {
    await writeNewFile(keyTemp, pair.keyPem, 0o600);
    await writeNewFile(certTemp, pair.certPem, 0o644);
    try {
      await link(keyTemp, keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    await link(certTemp, certFile);
    return pair;
  } catch (err) {
    throw fileError(`cannot write a new CA into ${dir}`, err);
  } finally {
    await Promise.all([rm(keyTemp, { force: true }), rm(certTemp, { force: true })]);
  }
}

/** Creates `path` (failing if it exists) with `mode` from the start, and syncs it before anyone can link it. */
async function writeNewFile(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A PEM file's text, or undefined when it does not exist. A `private` key
 * file that group or others may read is refused, as ssh refuses such keys:
 * warcwire created it 0600, so a looser mode means someone widened it.
 */
async function readPem(file: string, isPrivate: boolean): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(`cannot read ${file}`, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new CertificateError('ERR_CA_FILE', `${file} is not a file`);
    if (isPrivate && process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new CertificateError('ERR_CA_FILE', `${file} may be read by other users (mode ${mode}); a CA key must be private: chmod 600 ${file}`);
    }
    if (stat.size > MAX_PEM_BYTES) throw new CertificateError('ERR_CA_INVALID', `${file} is ${stat.size} bytes: too large to be a PEM certificate or key`);
    return await handle.readFile('utf8');
  } catch (err) {
    throw err instanceof CertificateError ? err : fileError(`cannot read ${file}`, err);
  } finally {
    await handle.close();
  }
}

function fileError(what: string, err: unknown): CertificateError {
  return new CertificateError('ERR_CA_FILE', `${what}: ${(err as Error).message}`, { cause: err });
}
