/**
 * Real TLS handshakes on loopback with the issuer's contexts, the way the
 * recording proxy serves a CONNECT: the SNI name picks the leaf, and without
 * SNI (an IP literal) the CONNECT target is the fallback.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { LeafIssuer, loadCertificateAuthority, type CertificateAuthority } from '../../src/certs';
import { leafTlsServer, type LeafTlsServer } from '../helpers/leaf-tls-server';

const root = mkdtempSync(join(tmpdir(), 'warcwire-tls-'));
let ca: CertificateAuthority;
let issuer: LeafIssuer;
let server: LeafTlsServer;
let server6: LeafTlsServer | undefined;
let port: number;
/** The host the test's "CONNECT" names: the leaf served to a client that sends no SNI. */
let fallbackHost = '127.0.0.1';

beforeAll(async () => {
  ca = await loadCertificateAuthority({ dir: join(root, 'ca') });
  issuer = new LeafIssuer(ca);
  server = await listen('127.0.0.1');
  port = server.port;
});
afterAll(async () => {
  await server.close();
  await server6?.close();
  rmSync(root, { recursive: true, force: true });
});

const listen = (host: string): Promise<LeafTlsServer> => leafTlsServer(issuer, { host, fallbackHost: () => fallbackHost, onSecure: (socket) => socket.end('hello') });

interface Handshake {
  authorized: boolean;
  error?: NodeJS.ErrnoException;
  peer?: PeerCertificate;
  body: string;
}

function handshake(options: { servername?: string; trust: boolean; host?: string; port?: number }): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port ?? port, servername: options.servername, ca: options.trust ? ca.certPem : undefined, ALPNProtocols: ['http/1.1'] });
    let body = '';
    socket.on('secureConnect', () => socket.on('data', (d: Buffer) => (body += d.toString())));
    socket.on('end', () => resolve({ authorized: socket.authorized, peer: socket.getPeerCertificate(), body }));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ authorized: false, error, body }));
  });
}

describe('TLS with the issued leaves', () => {
  test('a client trusting the CA verifies the leaf for its SNI name', async () => {
    const result = await handshake({ servername: 'shop.example.test', trust: true });
    expect(result.error).toBeUndefined();
    expect(result.authorized).toBe(true);
    expect(result.body).toBe('hello');
    expect(result.peer?.subject.CN).toBe('shop.example.test');
    expect(result.peer?.subjectaltname).toBe('DNS:shop.example.test');
  });

  test('no SNI (an IP literal): the fallback host\'s leaf verifies for 127.0.0.1', async () => {
    fallbackHost = '127.0.0.1';
    const result = await handshake({ trust: true });
    expect(result.error).toBeUndefined();
    expect(result.authorized).toBe(true);
    expect(result.peer?.subjectaltname).toBe('IP Address:127.0.0.1');
  });

  test('the server sends the leaf, then the CA certificate (openssl s_client -showcerts)', async () => {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'chain.test', '-showcerts', '-CAfile', ca.certFile], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
      child.stdin.end();
    });
    const sent = [...output.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
    expect(sent.map((c) => c.subject)).toEqual(['CN=chain.test', ca.subject]);
    expect(output).toContain('Verify return code: 0 (ok)');
  });

  test('no SNI over IPv6: the fallback host ::1 gets its IP leaf', async () => {
    fallbackHost = '[::1]';
    server6 ??= await listen('::1');
    const result = await handshake({ trust: true, host: '::1', port: server6.port });
    fallbackHost = '127.0.0.1';
    expect(result.error).toBeUndefined();
    expect(result.authorized).toBe(true);
    expect(result.peer?.subjectaltname).toBe('IP Address:0:0:0:0:0:0:0:1');
  });

  test('a client that does not trust the CA fails with a certificate error', async () => {
    const result = await handshake({ servername: 'shop.example.test', trust: false });
    expect(result.authorized).toBe(false);
    expect(result.error?.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(result.body).toBe('');
  });

  test('a leaf does not pass for another name', async () => {
    fallbackHost = '10.9.8.7';
    const result = await handshake({ trust: true });
    expect(result.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    fallbackHost = '127.0.0.1';
  });

  test('many handshakes for one new host issue its leaf once', async () => {
    const before = issuer.issued;
    const results = await Promise.all(Array.from({ length: 20 }, () => handshake({ servername: 'once.test', trust: true })));
    expect(results.every((r) => r.authorized && r.body === 'hello')).toBe(true);
    expect(issuer.issued - before).toBe(1);
  });
});
