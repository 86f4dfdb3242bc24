import { CA_CERT_FILE, CA_KEY_FILE, defaultCaDirectory, loadCertificateAuthority, type CertificateAuthority } from '../../certs';
import { parseCommandArgs, write } from '../args';
import { caSource } from '../ca-flags';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire ca [--ca-dir DIR | --ca-cert FILE --ca-key FILE] [--json]

Shows the CA that warcwire record-proxy signs its TLS certificates with, and how
to make a browser or client trust it. The CA is made on first use: an EC P-256
key (${CA_KEY_FILE}, mode 0600) and a certificate valid ten years (${CA_CERT_FILE}).

  --ca-dir DIR     the CA's directory (default ${defaultCaDirectory()});
                   created (0700) with a new CA when it holds none
  --ca-cert FILE   use your own CA certificate (PEM, RSA or EC) ...
  --ca-key FILE    ... and its private key (PEM, not encrypted); never written
  --json           one JSON object: certFile, keyFile, spkiSha256, subject,
                   notAfter, created
`;

function trustInstructions(ca: CertificateAuthority): string {
  const pem = ca.certFile;
  return `How to trust it (only where you record: whoever has the key can impersonate any site to a client that trusts it):
  Chromium/Chrome   --proxy-server=http://127.0.0.1:8000 --user-data-dir=PROFILE-DIR
                    --ignore-certificate-errors-spki-list=${ca.spkiSha256}
                    --proxy-bypass-list='<-loopback>'
                    (the SPKI list is honoured only with a --user-data-dir; the
                    bypass list sends localhost through the proxy too)
  Playwright        ignoreHTTPSErrors: true in the context options, or the flag
                    above in launch({ args })
  NSS database      certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n warcwire -i ${pem}
                    (Chromium on Linux; certutil is in libnss3-tools)
  curl              curl --cacert ${pem} --proxy http://127.0.0.1:8000 https://...
  Node.js           NODE_EXTRA_CA_CERTS=${pem} node ...
`;
}

const command: CliCommand = {
  name: 'ca',
  summary: 'show (creating on first use) the CA record-proxy signs with, and how to trust it',
  usage,
  async run(argv, io) {
    const options = { 'ca-dir': { type: 'string' }, 'ca-cert': { type: 'string' }, 'ca-key': { type: 'string' }, json: { type: 'boolean' } } as const;
    const { values } = parseCommandArgs(argv, options, []);
    const ca = await loadCertificateAuthority(caSource(values));
    if (values.json) {
      const { certFile, keyFile, spkiSha256, subject, notAfter, created } = ca;
      await write(io.stdout, `${JSON.stringify({ certFile, keyFile, spkiSha256, subject, notAfter: notAfter.toISOString(), created })}\n`);
      return 0;
    }
    await write(
      io.stdout,
      `${ca.created ? 'Created a new CA' : 'CA'}: ${ca.subject}, valid until ${ca.notAfter.toISOString().slice(0, 10)}\n` +
        `Certificate  ${ca.certFile}\n` +
        `Private key  ${ca.keyFile} (keep it private)\n` +
        `SPKI sha256  ${ca.spkiSha256}\n\n` +
        trustInstructions(ca),
    );
    return 0;
  },
};

export default command;
