import { originTlsOptions } from '../../src/net/tls-options';

describe('originTlsOptions', () => {
  it('verifies by default, offers only http/1.1, sends SNI for names', () => {
    const options = originTlsOptions({}, 'Example.org');
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.ALPNProtocols).toEqual(['http/1.1']);
    expect(options.servername).toBe('Example.org');
  });

  it('never sends an IP literal as SNI, but checks the certificate against it', () => {
    for (const host of ['192.0.2.1', '[2001:db8::1]', '2001:db8::1']) {
      const options = originTlsOptions({}, host);
      expect(options.servername).toBeUndefined();
      expect(options.host).toBe(host.replace(/^\[|\]$/g, ''));
    }
  });

  it('passes the fingerprint knobs through', () => {
    const options = originTlsOptions(
      { verify: false, ca: 'PEM', ciphers: 'TLS_AES_128_GCM_SHA256', sigalgs: 'ecdsa_secp256r1_sha256', ecdhCurve: 'X25519', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' },
      'a.test',
    );
    expect(options).toMatchObject({
      rejectUnauthorized: false,
      ca: 'PEM',
      ciphers: 'TLS_AES_128_GCM_SHA256',
      sigalgs: 'ecdsa_secp256r1_sha256',
      ecdhCurve: 'X25519',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
  });
});
