/**
 * A new warcwire CA: an EC P-256 key and a self-signed certificate valid for
 * ten years, named after this machine and the day (plus a random tag) so the
 * CAs of two machines, or two directories, never share a name.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { MAX_COMMON_NAME, signCaCertificate, subjectKey } from './certificate-builder';
import { signingKey } from './signing-key';

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_YEARS = 10;

export async function newCertificateAuthority(now = new Date()): Promise<{ certPem: string; keyPem: string }> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_YEARS);
  const certPem = await signCaCertificate({
    commonName: commonName(now),
    key: subjectKey(publicKey.export({ type: 'spki', format: 'der' })),
    signer: await signingKey(privateKey, 'the new CA key'),
    // A day back, so a client whose clock is a little behind accepts it too.
    validity: { notBefore: new Date(now.getTime() - DAY_MS), notAfter },
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function commonName(now: Date): string {
  const tail = ` ${now.toISOString().slice(0, 10)} ${randomBytes(2).toString('hex')}`;
  const head = 'warcwire CA ';
  return head + (hostname() || 'localhost').slice(0, MAX_COMMON_NAME - head.length - tail.length) + tail;
}
