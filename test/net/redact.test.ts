import { redactProxyUrl } from '../../src/net/redact';

describe('redactProxyUrl', () => {
  it('drops credentials, path and query, keeps scheme://host:port', () => {
    expect(redactProxyUrl('http://user:s3cr%40t@proxy.example:3128/path?q=1')).toBe('http://proxy.example:3128');
    expect(redactProxyUrl(new URL('socks5h://alice:pw@10.0.0.1:1080'))).toBe('socks5h://10.0.0.1:1080');
  });

  it('fills in the default port of each scheme', () => {
    expect(redactProxyUrl('http://u:p@proxy')).toBe('http://proxy:80');
    expect(redactProxyUrl('https://u:p@proxy')).toBe('https://proxy:443');
    expect(redactProxyUrl('socks5://u:p@proxy')).toBe('socks5://proxy:1080');
    expect(redactProxyUrl('socks4a://proxy')).toBe('socks4a://proxy:1080');
  });

  it('keeps IPv6 brackets', () => {
    expect(redactProxyUrl('socks5://u:p@[2001:db8::1]:9050')).toBe('socks5://[2001:db8::1]:9050');
  });

  it('never echoes an unparsable input', () => {
    const out = redactProxyUrl('not a url with password hunter2');
    expect(out).toBe('<invalid proxy url>');
    expect(out).not.toContain('hunter2');
  });
});
