/** Leaf certificates under warcwire's CA: their profile as openssl reads it, host names, validity, and one issuance per host. */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateError, LeafIssuer, loadCertificateAuthority, type CertificateAuthority } from '../../src/certs';
import { openssl, opensslCertificate, opensslVerify } from '../helpers/openssl-ca';

const root = mkdtempSync(join(tmpdir(), 'warcwire-leaf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await loadCertificateAuthority({ dir: join(root, 'ca') });
});

const DAY_MS = 24 * 3600 * 1000;

async function hostError(issuer: LeafIssuer, host: string): Promise<CertificateError> {
  const error = await issuer.secureContext(host).then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(CertificateError);
  expect((error as CertificateError).code).toBe('ERR_LEAF_HOST');
  return error as CertificateError;
}

describe('LeafIssuer', () => {
  test.each([
    ['a DNS name', 'www.example.test', 'DNS:www.example.test', 'CN = www.example.test'],
    ['an IPv4 literal', '127.0.0.1', 'IP Address:127.0.0.1', 'CN = 127.0.0.1'],
    ['an IPv6 literal in brackets', '[2001:DB8::1]', 'IP Address:2001:DB8:0:0:0:0:0:1', 'CN = 2001:db8::1'],
  ])('%s: a leaf openssl verifies under the CA, with the SAN, serverAuth, digitalSignature and an EC P-256 key', async (_what, host, san, subject) => {
    const issuer = new LeafIssuer(ca);
    const pem = await issuer.certificatePem(host);
    const verified = opensslVerify(ca.certFile, pem);
    expect(verified.output).toMatch(/: OK\n$/);
    expect(verified.ok).toBe(true);
    const text = openssl(['x509', '-noout', '-text'], pem);
    expect(text).toMatch(new RegExp(`Subject Alternative Name: \\n\\s+${san.replace(/[.:]/g, '\\$&')}\\n`));
    expect(text).toContain(`Subject: ${subject}\n`);
    expect(text).toMatch(/Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature\n/);
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:FALSE/);
    expect(text).toMatch(/Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    // The leaf's authority key id is the CA's subject key id.
    const caKeyId = /Subject Key Identifier: \n\s+(\S+)/.exec(openssl(['x509', '-noout', '-text'], ca.certPem))![1];
    expect(text).toMatch(new RegExp(`Authority Key Identifier: \\n\\s+(keyid:)?${caKeyId}`));
    // A 16-byte positive serial.
    expect(/Serial Number:\n\s+([0-9a-f:]+)/.exec(text)![1]!.split(':')).toHaveLength(16);
  });

  test('valid from a day back for a year, under the 398 days browsers accept, and never past the CA', async () => {
    const leaf = new X509Certificate(await new LeafIssuer(ca).certificatePem('a.test'));
    const from = new Date(leaf.validFrom).getTime();
    const to = new Date(leaf.validTo).getTime();
    expect(Math.abs(from - (Date.now() - DAY_MS))).toBeLessThan(60_000);
    expect(to - from).toBeLessThan(398 * DAY_MS);
    expect(to - Date.now()).toBeGreaterThan(364 * DAY_MS);

    // A user CA that ends in 30 days: its leaves end with it.
    const shortCa = await loadCertificateAuthority(opensslCertificate(root, 'short', { days: 30 }));
    const shortLeaf = new X509Certificate(await new LeafIssuer(shortCa).certificatePem('a.test'));
    expect(new Date(shortLeaf.validTo).getTime()).toBe(shortCa.notAfter.getTime());
    // ... and begin no earlier than it (openssl's CA begins now).
    expect(new Date(shortLeaf.validFrom).getTime()).toBeGreaterThanOrEqual(new Date(new X509Certificate(shortCa.certPem).validFrom).getTime());
  });

  test('every leaf carries the one leaf key; serials differ', async () => {
    const issuer = new LeafIssuer(ca);
    const leaves = await Promise.all(['a.test', 'b.test', '10.0.0.1'].map(async (h) => new X509Certificate(await issuer.certificatePem(h))));
    const keys = new Set(leaves.map((l) => l.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')));
    expect(keys.size).toBe(1);
    expect(new Set(leaves.map((l) => l.serialNumber)).size).toBe(3);
    // A second issuer has a key of its own.
    const other = new X509Certificate(await new LeafIssuer(ca).certificatePem('a.test'));
    expect(keys.has(other.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'))).toBe(false);
  });

  test('50 requests for one host at once issue one certificate; spellings of one host share it', async () => {
    const issuer = new LeafIssuer(ca);
    const contexts = await Promise.all(Array.from({ length: 50 }, () => issuer.secureContext('a.test')));
    expect(issuer.issued).toBe(1);
    expect(new Set(contexts).size).toBe(1);
    const spellings = await Promise.all(['A.Test', 'a.test.', 'a.test'].map((h) => issuer.certificatePem(h)));
    expect(new Set(spellings).size).toBe(1);
    await Promise.all(['[::1]', '::1', '0:0:0:0:0:0:0:1'].map((h) => issuer.secureContext(h)));
    expect(issuer.issued).toBe(2);
    // An IPv4 address with a trailing dot is that address (an iPAddress name, not a dNSName).
    const dotted = await issuer.certificatePem('127.0.0.1.');
    expect(issuer.issued).toBe(3);
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], dotted)).toContain('IP Address:127.0.0.1');
    expect(await issuer.certificatePem('127.0.0.1')).toBe(dotted);
  });

  // Built back to back, 500 contexts stall the loop ~0.5 s (one turn for all of them); one turn
  // each, ~10-35 ms. Counted in turns, not milliseconds: a loaded machine (a browser test beside
  // it) stretches every turn, but cannot merge them.
  test('500 hosts asked for at once keep the event loop turning: a turn between contexts', async () => {
    const issuer = new LeafIssuer(ca);
    await issuer.secureContext('warm.test'); // the leaf key and the code paths, made once
    let turns = 0;
    let turning = true;
    const tick = (): void => {
      turns++;
      if (turning) setImmediate(tick);
    };
    setImmediate(tick);
    await Promise.all(Array.from({ length: 500 }, (_, i) => issuer.secureContext(`burst${i}.test`)));
    turning = false;
    expect(issuer.issued).toBe(501);
    // Seen: 1000 turns (the signing and the context each get one); without Turns: 1.
    expect(turns).toBeGreaterThanOrEqual(500);
  });

  test('a cached leaf is replaced a day before it ends; one that ends with its CA is served to the end, then the CA is ERR_CA_INVALID', async () => {
    const issuer = new LeafIssuer(ca);
    const first = new X509Certificate(await issuer.certificatePem('renew.test'));
    const ends = new Date(first.validTo).getTime();
    let clock = jest.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(ends - DAY_MS - 60_000);
      expect(await issuer.certificatePem('renew.test')).toBe(first.toString());
      clock.mockReturnValue(ends - DAY_MS + 60_000);
      const renewed = new X509Certificate(await issuer.certificatePem('renew.test'));
      expect(renewed.serialNumber).not.toBe(first.serialNumber);
      expect(new Date(renewed.validTo).getTime()).toBeGreaterThan(ends);
      expect(issuer.issued).toBe(2);
    } finally {
      clock.mockRestore();
    }

    const shortCa = await loadCertificateAuthority(opensslCertificate(root, 'ending', { days: 10 }));
    const short = new LeafIssuer(shortCa);
    const leaf = await short.certificatePem('renew.test');
    clock = jest.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(shortCa.notAfter.getTime() - 60_000);
      expect(await short.certificatePem('renew.test')).toBe(leaf);
      clock.mockReturnValue(shortCa.notAfter.getTime() + 60_000);
      await expect(short.certificatePem('renew.test')).rejects.toMatchObject({ code: 'ERR_CA_INVALID', message: expect.stringContaining('expired on') });
      expect(short.issued).toBe(1);
    } finally {
      clock.mockRestore();
    }
  });

  test('the cache keeps maxCached hosts, dropping the least recently used', async () => {
    const issuer = new LeafIssuer(ca, { maxCached: 2 });
    await issuer.secureContext('a.test');
    await issuer.secureContext('b.test');
    await issuer.secureContext('a.test'); // a is now the most recent
    await issuer.secureContext('c.test'); // drops b
    expect(issuer.issued).toBe(3);
    await issuer.secureContext('a.test');
    expect(issuer.issued).toBe(3);
    await issuer.secureContext('b.test');
    expect(issuer.issued).toBe(4);
  });

  test('a non-ASCII name is issued for its punycode form; a name longer than a CommonName gets a critical SAN only', async () => {
    const issuer = new LeafIssuer(ca);
    const idn = openssl(['x509', '-noout', '-subject', '-ext', 'subjectAltName'], await issuer.certificatePem('Bücher.test'));
    expect(idn).toContain('DNS:xn--bcher-kva.test');
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.test`;
    const pem = await issuer.certificatePem(long);
    expect(opensslVerify(ca.certFile, pem).ok).toBe(true);
    const text = openssl(['x509', '-noout', '-subject', '-ext', 'subjectAltName'], pem);
    expect(text).toMatch(/^subject=\s*\n/);
    expect(text).toContain(`Subject Alternative Name: critical\n    DNS:${long}`);
  });

  test('bad hosts are ERR_LEAF_HOST with a message naming the host, and issue nothing', async () => {
    const issuer = new LeafIssuer(ca);
    expect((await hostError(issuer, '')).message).toBe('cannot issue a certificate for host "": empty');
    expect((await hostError(issuer, '.')).message).toMatch(/"\.": /);
    expect((await hostError(issuer, 'a..test')).message).toContain('an empty label');
    expect((await hostError(issuer, `${'a'.repeat(64)}.test`)).message).toContain('a label longer than 63 characters');
    expect((await hostError(issuer, Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.'))).message).toContain('longer than 253 characters');
    expect((await hostError(issuer, 'bad host.test')).message).toContain('label "bad host" has characters a host name cannot have');
    expect((await hostError(issuer, '*.test')).message).toContain('label "*"');
    expect((await hostError(issuer, 'fe80::1%eth0')).message).toContain('an IPv6 zone cannot be in a certificate');
    expect((await hostError(issuer, '[a.test]')).message).toContain('brackets hold an IPv6 address only');
    for (const numeric of ['1.2.3', 'a.test.123', '10.0.0.256', 'x.0x1f']) {
      expect((await hostError(issuer, numeric)).message).toContain('not an IPv4 address, yet it ends in a number');
    }
    expect(issuer.issued).toBe(0);
  });

  test('maxCached must be a whole number of at least 1', () => {
    for (const maxCached of [0, -1, 1.5, Number.NaN]) {
      expect(() => new LeafIssuer(ca, { maxCached })).toThrow(expect.objectContaining({ code: 'ERR_ISSUER_OPTIONS' }));
    }
  });
});
