import { matchesDomainGlob, matchesDomainGlobs } from '../../src/net/domain-glob';
import { NetError } from '../../src/net/errors';
import { ProxyPool } from '../../src/net/proxy-pool';

const both = { ipv4: true, ipv6: true };

describe('domain globs', () => {
  it("'*.example.com' matches subdomains and example.com itself, not lookalikes", () => {
    expect(matchesDomainGlob('example.com', '*.example.com')).toBe(true);
    expect(matchesDomainGlob('a.b.example.com', '*.example.com')).toBe(true);
    expect(matchesDomainGlob('WWW.Example.COM.', '*.example.com')).toBe(true);
    expect(matchesDomainGlob('badexample.com', '*.example.com')).toBe(false);
    expect(matchesDomainGlob('example.com.evil', '*.example.com')).toBe(false);
    expect(matchesDomainGlob('img3.cdn.net', 'img?.cdn.net')).toBe(true);
    expect(matchesDomainGlobs('anything', [])).toBe(true);
  });
});

describe('ProxyPool selection', () => {
  const pool = new ProxyPool([
    { url: 'socks5://dc:1080', type: 'datacenter' },
    { url: 'socks5h://user:secret@res:1080', type: 'residential', allowedDomains: ['*.example.com'] },
    { url: 'http://res4:3128', type: 'residential', network: 'ipv4' },
    'http://plain:8080',
  ]);
  const label = (criteria: Parameters<ProxyPool['select']>[0]): string | undefined => pool.select(criteria)?.label;

  it('without a proxyType only untyped (any) proxies are used; with one, only that type', () => {
    expect(label({ host: 'x.org', ...both })).toBe('http://plain:8080');
    expect(label({ host: 'x.org', proxyType: 'datacenter', ...both })).toBe('socks5://dc:1080');
    expect(label({ host: 'x.org', proxyType: 'mobile', ...both })).toBeUndefined();
  });

  it("proxyType 'any' accepts every proxy", () => {
    const seen = new Set(Array.from({ length: 8 }, () => label({ host: 'www.example.com', proxyType: 'any', ...both })));
    expect(seen).toEqual(new Set(['socks5://dc:1080', 'socks5h://res:1080', 'http://res4:3128', 'http://plain:8080']));
  });

  it('filters by network, then by domain', () => {
    // IPv6-only requests skip the IPv4-only proxy; x.org is outside the other's allowedDomains.
    expect(label({ host: 'x.org', proxyType: 'residential', ipv4: false, ipv6: true })).toBeUndefined();
    expect(label({ host: 'example.com', proxyType: 'residential', ipv4: false, ipv6: true })).toBe('socks5h://res:1080');
    expect(label({ host: 'x.org', proxyType: 'residential', ...both })).toBe('http://res4:3128');
  });

  it('never exposes credentials in labels or stats', () => {
    expect(JSON.stringify(pool.stats())).not.toContain('secret');
    for (const member of pool.members()) expect(member.label).not.toContain('secret');
  });

  it('1:3 weights give 25%/75% ± 2% over 4000 selections', () => {
    const weighted = new ProxyPool([
      { url: 'socks5://light:1080', weight: 1 },
      { url: 'socks5://heavy:1080', weight: 3 },
    ]);
    let light = 0;
    for (let i = 0; i < 4000; i++) {
      const proxy = weighted.select({ host: 'x.org', ...both })!;
      weighted.recordRequest(proxy);
      if (proxy.label === 'socks5://light:1080') light += 1;
    }
    expect(Math.abs(light / 4000 - 0.25)).toBeLessThanOrEqual(0.02);
    expect(weighted.stats().map((s) => s.requests)).toEqual([light, 4000 - light]);
  });

  it('a failing proxy rests, then returns on success', () => {
    let now = 0;
    const resting = new ProxyPool(['socks5://a:1', 'socks5://b:1'], { failureThreshold: 2, baseMs: 1000, now: () => now });
    const [a] = resting.members();
    resting.recordFailure(a!);
    expect(resting.recordFailure(a!)).toBe(1000);
    const picks = Array.from({ length: 4 }, () => resting.select({ host: 'x', ...both })!.label);
    expect(picks).toEqual(['socks5://b:1', 'socks5://b:1', 'socks5://b:1', 'socks5://b:1']);
    expect(resting.stats()[0]!.restingUntil).toEqual(new Date(1000));
    now = 1000;
    resting.recordSuccess(a!, 12);
    expect(resting.stats()[0]).toMatchObject({ consecutiveFailures: 0, errors: 2, lastDialMs: 12 });
    expect(resting.stats()[0]!.restingUntil).toBeUndefined();
  });

  it('rejects bad entries with typed errors that hide credentials', () => {
    expect(() => new ProxyPool(['ftp://u:secret@h:21'])).toThrow(NetError);
    expect(() => new ProxyPool([{ url: 'socks5://u:secret@h:1', weight: 0 }])).toThrow(/socks5:\/\/h:1: weight/);
    expect(() => new ProxyPool([{ url: 'socks5://h:1', type: 'cheap' as never }])).toThrow(/unknown type/);
    try {
      new ProxyPool(['not a url secret']);
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });
});
