/** `warcwire ca`, run as the built CLI: creates the CA, prints where it is, its SPKI hash and how to trust it. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-child';
import { opensslCertificate, opensslSpkiSha256 } from '../helpers/openssl-ca';

const root = mkdtempSync(join(tmpdir(), 'warcwire-ca-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('warcwire ca', () => {
  test('creates the CA on first use and prints its files, SPKI hash and the ways to trust it; the second run shows the same CA', async () => {
    const dir = join(root, 'ca');
    const first = await runCli(['ca', '--ca-dir', dir]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const out = first.out.toString();
    const pem = join(dir, 'warcwire-ca.pem');
    const hash = opensslSpkiSha256(readFileSync(pem, 'utf8'));
    expect(statSync(join(dir, 'warcwire-ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(out).toMatch(/^Created a new CA: CN=warcwire CA \S+ \d{4}-\d\d-\d\d [0-9a-f]{4}, valid until \d{4}-\d\d-\d\d\n/);
    expect(out).toContain(`Certificate  ${pem}\n`);
    expect(out).toContain(`Private key  ${join(dir, 'warcwire-ca-key.pem')} (keep it private)\n`);
    expect(out).toContain(`SPKI sha256  ${hash}\n`);
    expect(out).toContain(`--ignore-certificate-errors-spki-list=${hash}\n`);
    expect(out).toContain('--user-data-dir');
    expect(out).toContain(`certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n warcwire -i ${pem}\n`);
    expect(out).toContain('ignoreHTTPSErrors: true');
    expect(out).toContain(`curl --cacert ${pem} `);
    expect(out).toContain(`NODE_EXTRA_CA_CERTS=${pem} `);

    const second = await runCli(['ca', '--ca-dir', dir, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out.toString())).toEqual({
      certFile: pem,
      keyFile: join(dir, 'warcwire-ca-key.pem'),
      spkiSha256: hash,
      subject: expect.stringMatching(/^CN=warcwire CA /),
      notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      created: false,
    });
  });

  test('a relative --ca-dir is shown as an absolute path (it goes into NODE_EXTRA_CA_CERTS and certutil lines)', async () => {
    const run = await runCli(['ca', '--ca-dir', 'rel-ca', '--json'], { cwd: root });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out.toString())).toMatchObject({ certFile: join(root, 'rel-ca', 'warcwire-ca.pem'), keyFile: join(root, 'rel-ca', 'warcwire-ca-key.pem'), created: true });
  });

  test("shows a user's CA without writing anything", async () => {
    const files = opensslCertificate(root, 'mine', { key: 'rsa' });
    const run = await runCli(['ca', '--ca-cert', files.certFile, '--ca-key', files.keyFile]);
    expect(run.code).toBe(0);
    expect(run.out.toString()).toMatch(/^CA: CN=mine test CA, valid until /);
    expect(run.out.toString()).toContain(`SPKI sha256  ${opensslSpkiSha256(readFileSync(files.certFile, 'utf8'))}\n`);
  });

  test('usage mistakes exit 2 with the usage; an unusable CA exits 1 with the typed error', async () => {
    const half = await runCli(['ca', '--ca-cert', join(root, 'x.pem')]);
    expect(half.code).toBe(2);
    expect(half.err).toMatch(/^warcwire ca: --ca-cert needs --ca-key: a CA of your own is given as its certificate and its private key \(PEM files\) \[ERR_USAGE\]\n\nUsage: warcwire ca/);
    const both = await runCli(['ca', '--ca-dir', root, '--ca-cert', join(root, 'x.pem'), '--ca-key', join(root, 'x.pem')]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--ca-dir cannot be combined with --ca-cert/--ca-key');
    const operand = await runCli(['ca', 'extra']);
    expect(operand.code).toBe(2);
    const a = opensslCertificate(root, 'a');
    const b = opensslCertificate(root, 'b');
    const mismatch = await runCli(['ca', '--ca-cert', a.certFile, '--ca-key', b.keyFile]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toBe(`warcwire ca: ${b.keyFile} is not the private key of the certificate in ${a.certFile} [ERR_CA_KEY_MISMATCH]\n`);
    expect(mismatch.out.toString()).toBe('');
  });

  test('is listed by warcwire --help and has its own --help', async () => {
    const help = await runCli(['--help']);
    expect(help.out.toString()).toMatch(/^  ca +show \(creating on first use\) the CA/m);
    const usage = await runCli(['ca', '--help']);
    expect(usage.out.toString()).toMatch(/^Usage: warcwire ca \[--ca-dir DIR \| --ca-cert FILE --ca-key FILE\] \[--json\]/);
  });
});
