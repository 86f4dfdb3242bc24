/**
 * Chromium (Debian's, driven by playwright-core) accepts the leaves: through
 * its own certificate verifier with the CA trusted in an NSS database (the
 * strict path: no error is ignored), and with the SPKI flag `warcwire ca`
 * prints. Without either, it refuses them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { LeafIssuer, loadCertificateAuthority, type CertificateAuthority } from '../../src/certs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../helpers/chromium';
import { leafTlsServer, type LeafTlsServer } from '../helpers/leaf-tls-server';

/** The shared launch switches, and a resolver that knows only the test's names (Chromium's own service calls fail offline). */
const FLAGS = [...CHROMIUM_FLAGS, '--host-resolver-rules=MAP *.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'];

const root = mkdtempSync(join(tmpdir(), 'warcwire-chromium-ca-'));
let ca: CertificateAuthority;
let issuer: LeafIssuer;
let server: LeafTlsServer;

beforeAll(async () => {
  ca = await loadCertificateAuthority({ dir: join(root, 'ca') });
  issuer = new LeafIssuer(ca);
  const app = createHttpServer((req, res) => res.end(`hello ${req.headers.host ?? ''}`));
  server = await leafTlsServer(issuer, { host: '127.0.0.1', fallbackHost: () => '127.0.0.1', onSecure: (socket) => app.emit('connection', socket) });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A HOME whose NSS database (Chromium's on Linux) trusts `caFile` as a CA, or is empty. */
function home(name: string, caFile?: string): string {
  const dir = join(root, name);
  const db = `sql:${join(dir, '.pki', 'nssdb')}`;
  mkdirSync(join(dir, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-d', db, '-N', '--empty-password']);
  if (caFile) execFileSync('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', 'warcwire', '-i', caFile]);
  return dir;
}

/** Loads each URL in a fresh Chromium (fresh profile from playwright); the body text, or the navigation error. */
async function load(urls: string[], options: { home: string; args?: string[] }): Promise<string[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...FLAGS, ...(options.args ?? [])], env: { ...process.env, HOME: options.home } });
  try {
    const page = await browser.newPage();
    const results: string[] = [];
    for (const url of urls) {
      results.push(await page.goto(url).then(async () => (await page.textContent('body')) ?? '', (err: Error) => err.message.split('\n')[0]!));
    }
    return results;
  } finally {
    await browser.close();
  }
}

describe('Chromium and the issued leaves', () => {
  const urls = (): string[] => [`https://shop.example.test:${server.port}/`, `https://127.0.0.1:${server.port}/`];

  test('with the CA in its NSS database, Chromium verifies a DNS leaf and an IP leaf', async () => {
    expect(await load(urls(), { home: home('trusting', ca.certFile) })).toEqual([`hello shop.example.test:${server.port}`, `hello 127.0.0.1:${server.port}`]);
  });

  test('with the SPKI flag warcwire ca prints, Chromium accepts them', async () => {
    expect(await load(urls(), { home: home('spki'), args: [`--ignore-certificate-errors-spki-list=${ca.spkiSha256}`] })).toEqual([
      `hello shop.example.test:${server.port}`,
      `hello 127.0.0.1:${server.port}`,
    ]);
  });

  test('without trust, Chromium refuses them as signed by an unknown authority', async () => {
    const results = await load(urls(), { home: home('untrusting') });
    for (const result of results) expect(result).toContain('net::ERR_CERT_AUTHORITY_INVALID');
  });
});
