import { createFaultyProxy, type FaultyProxy } from '../../src/proxy/faulty/faulty-proxy';
import type { FaultSpec } from '../../src/proxy/faulty/options';
import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';
import type { ForwardProxyConfigInput } from '../../src/proxy/forward/config';
import { basic, curl, echoThrough, openTunnel } from '../helpers/proxy-clients';
import { startEchoServer, startHttpTarget, type Running } from '../helpers/proxy-targets';

let echo: Running;
let web: Running;
const cleanup: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  [echo, web] = await Promise.all([startEchoServer(), startHttpTarget()]);
});
afterAll(async () => {
  await Promise.all([echo.close(), web.close()]);
});
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c.close()));
});

async function upstream(faults: FaultSpec[] = []): Promise<FaultyProxy> {
  const proxy = await createFaultyProxy({ faults, seed: 7 });
  cleanup.push(proxy);
  return proxy;
}

async function start(config: ForwardProxyConfigInput): Promise<ForwardProxy> {
  const proxy = await createForwardProxy({ listen: '127.0.0.1:0', ...config });
  cleanup.push(proxy);
  return proxy;
}

/** Opens a tunnel to the echo server, checks it carries data, closes it; returns the status. */
async function tunnel(proxy: ForwardProxy, headers: Record<string, string> = {}): Promise<number> {
  const result = await openTunnel(proxy.port, `127.0.0.1:${echo.port}`, headers);
  if (result.status === 200) expect(await echoThrough(result.socket, 'ok')).toBe('ok');
  result.socket.destroy();
  return result.status;
}

test('weights 1:3 give 25 %/75 % over 4000 tunnels, interleaved', async () => {
  const light = await upstream();
  const heavy = await upstream();
  const proxy = await start({
    upstreams: [
      { url: light.url, weight: 1 },
      { url: heavy.url, weight: 3 },
    ],
  });
  // Order: sequential tunnels, seeing which upstream each one used.
  const order: string[] = [];
  for (let i = 0; i < 200; i++) {
    const before = light.counters.connects;
    expect(await tunnel(proxy)).toBe(200);
    order.push(light.counters.connects > before ? 'L' : 'H');
  }
  expect(order.join('')).not.toMatch(/LL/); // never even 2 in a row from the weight-1 upstream
  expect(order.join('')).not.toMatch(/HHHH/);
  // Share: the remaining 3800 with 25 in flight at a time.
  for (let done = 200; done < 4000; done += 25) {
    const statuses = await Promise.all(Array.from({ length: 25 }, () => tunnel(proxy)));
    expect(statuses.every((s) => s === 200)).toBe(true);
  }
  const total = light.counters.connects + heavy.counters.connects;
  expect(total).toBe(4000);
  expect(Math.abs(light.counters.connects / total - 0.25)).toBeLessThanOrEqual(0.02);
  expect(Math.abs(heavy.counters.connects / total - 0.75)).toBeLessThanOrEqual(0.02);
  const stats = proxy.stats();
  expect(stats.overall.lifetime).toMatchObject({ total: 4000, success: 4000, failed: 0 });
  expect(stats.upstreams.map((u) => u.lifetime.success)).toEqual([light.counters.connects, heavy.counters.connects]);
}, 60_000);

test('fails over from an upstream that resets every connection, then rests it', async () => {
  const broken = await upstream([{ kind: 'reset' }]);
  const good = await upstream();
  const proxy = await start({
    upstreams: [{ url: broken.url }, { url: good.url }],
    retries: 1,
    health: { failureThreshold: 3, cooldownMs: 60_000 },
  });
  for (let i = 0; i < 20; i++) expect(await tunnel(proxy)).toBe(200);
  expect(good.counters.connects).toBe(20);
  // Three consecutive failures put it to rest: no fourth attempt within the cooldown.
  expect(broken.counters.connects).toBe(3);
  expect(broken.counters.faults.reset).toBe(3);
  const stats = proxy.stats();
  expect(stats.overall.lifetime).toMatchObject({ total: 20, success: 20, failed: 0 });
  expect(stats.upstreams[0]).toMatchObject({ lifetime: { total: 3, success: 0, failed: 3 }, health: { consecutiveFailures: 3, resting: true } });
  expect(stats.upstreams[1]).toMatchObject({ lifetime: { total: 20, success: 20 }, health: { resting: false } });
});

test('the rest doubles while an upstream keeps failing and ends with a success', async () => {
  let clock = 1_000_000;
  const broken = await upstream([{ kind: 'bad-gateway' }]);
  const proxy = await createForwardProxy(
    { listen: '127.0.0.1:0', upstreams: [{ url: broken.url }], retries: 0, health: { failureThreshold: 2, cooldownMs: 1000 } },
    { now: () => clock },
  );
  cleanup.push(proxy);
  const restMs = (): number | null => {
    const until = proxy.stats().upstreams[0]!.health.restingUntil;
    return until === null ? null : Date.parse(until) - clock;
  };
  // 502 from the upstream is about the target: failover yes, rest no.
  expect(await tunnel(proxy)).toBe(502);
  expect(await tunnel(proxy)).toBe(502);
  expect(restMs()).toBeNull();
  // Now it is unreachable: a real upstream failure.
  await broken.close();
  expect(await tunnel(proxy)).toBe(502);
  expect(restMs()).toBeNull(); // 1 consecutive failure
  expect(await tunnel(proxy)).toBe(502);
  expect(restMs()).toBe(1000); // threshold reached
  clock += 1001;
  expect(await tunnel(proxy)).toBe(502); // the trial after the rest fails
  expect(restMs()).toBe(2000);
  clock += 2001;
  expect(await tunnel(proxy)).toBe(502);
  expect(restMs()).toBe(4000);
  expect(proxy.stats().upstreams[0]!.health.consecutiveFailures).toBe(4);
  // It comes back: after the rest, one success forgets everything.
  const revived = await createFaultyProxy({ port: broken.port });
  cleanup.push(revived);
  clock += 4001;
  expect(await tunnel(proxy)).toBe(200);
  expect(proxy.stats().upstreams[0]!.health).toEqual({ consecutiveFailures: 0, resting: false, restingUntil: null });
});

test('every upstream failing gives 502 after 1 + retries attempts', async () => {
  const a = await upstream([{ kind: 'reset' }]);
  const b = await upstream([{ kind: 'close' }]);
  const c = await upstream([{ kind: 'reset' }]);
  const proxy = await start({ upstreams: [{ url: a.url }, { url: b.url }, { url: c.url }], retries: 1 });
  expect(await tunnel(proxy)).toBe(502);
  expect(a.counters.connects + b.counters.connects + c.counters.connects).toBe(2);
  const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', proxy.url, `http://127.0.0.1:${web.port}/`]);
  expect(plain.stdout).toBe('502');
  expect(proxy.stats().overall.lifetime).toMatchObject({ total: 2, success: 0, failed: 2 });
});

test('disabled upstreams are never used; all disabled means 502, not direct', async () => {
  const off = await upstream();
  const on = await upstream();
  const proxy = await start({ upstreams: [{ url: off.url, enabled: false, weight: 10 }, { url: on.url }] });
  for (let i = 0; i < 5; i++) expect(await tunnel(proxy)).toBe(200);
  expect(off.counters.connects).toBe(0);
  expect(on.counters.connects).toBe(5);
  const none = await start({ upstreams: [{ url: off.url, enabled: false }] });
  expect(await tunnel(none)).toBe(502);
  expect(echo).toBeDefined();
});

describe('tags', () => {
  test('a tag by header or username suffix keeps the request on that tag', async () => {
    const residential = await upstream();
    const datacenter = await upstream();
    const plainOne = await upstream();
    const proxy = await start({
      auth: { users: [{ username: 'bot', password: 'pw' }] },
      upstreams: [
        { url: residential.url, tag: 'residential', note: 'home lines' },
        { url: datacenter.url, tag: 'datacenter' },
        { url: plainOne.url },
      ],
    });
    const auth = { 'Proxy-Authorization': basic('bot', 'pw') };
    for (let i = 0; i < 6; i++) expect(await tunnel(proxy, { ...auth, 'X-Warcwire-Tag': 'residential' })).toBe(200);
    for (let i = 0; i < 4; i++) expect(await tunnel(proxy, { 'Proxy-Authorization': basic('bot-tag-datacenter', 'pw') })).toBe(200);
    expect([residential.counters.connects, datacenter.counters.connects, plainOne.counters.connects]).toEqual([6, 4, 0]);
    for (let i = 0; i < 3; i++) expect(await tunnel(proxy, auth)).toBe(200); // untagged: any upstream
    expect(residential.counters.connects + datacenter.counters.connects + plainOne.counters.connects).toBe(13);
    // unknown tag, conflicting tags, wrong password with a tag
    expect(await tunnel(proxy, { ...auth, 'X-Warcwire-Tag': 'mobile' })).toBe(400);
    expect(await tunnel(proxy, { 'Proxy-Authorization': basic('bot-tag-datacenter', 'pw'), 'X-Warcwire-Tag': 'residential' })).toBe(400);
    expect(await tunnel(proxy, { 'Proxy-Authorization': basic('bot-tag-datacenter', 'nope') })).toBe(407);
    // curl, plain HTTP: the tag header is used, then removed before the target sees it
    const viaCurl = await curl([
      '-i', '-x', proxy.url, '--proxy-user', 'bot:pw', '-H', 'X-Warcwire-Tag: datacenter', `http://127.0.0.1:${web.port}/t`,
    ]);
    expect(viaCurl.stdout).toMatch(/x-seen-tag: \r\n/i);
    expect(viaCurl.stdout).toMatch(/hello GET \/t\n$/);
    expect(datacenter.counters.requests).toBe(0); // plain HTTP goes through a CONNECT tunnel upstream
    expect(datacenter.counters.connects).toBeGreaterThanOrEqual(5);
    const stats = proxy.stats();
    expect(Object.keys(stats.tags).sort()).toEqual(['datacenter', 'residential']);
    expect(stats.upstreams[0]).toMatchObject({ tag: 'residential', note: 'home lines' });
    expect(stats.rejected).toMatchObject({ badRequest: 2, auth: 1 });
  });
});

test('upstream URLs are redacted everywhere they are shown', async () => {
  const up = await upstream();
  const withSecret = up.url.replace('http://', 'http://user:hunter2@');
  const proxy = await start({ upstreams: [{ url: withSecret }] });
  expect(await tunnel(proxy)).toBe(200);
  const shown = JSON.stringify(proxy.stats()) + proxy.metrics();
  expect(shown).not.toMatch(/hunter2|user:/);
  expect(proxy.stats().upstreams[0]!.url).toBe(up.url);
});

test('active checks mark a dead upstream failing and bring it back when it answers', async () => {
  const placeholder = await upstream();
  const port = placeholder.port;
  await placeholder.close(); // nothing listens on `port` now
  const proxy = await start({
    upstreams: [{ url: `http://127.0.0.1:${port}` }],
    health: { failureThreshold: 2, cooldownMs: 60_000, check: { url: `http://127.0.0.1:${web.port}/health`, intervalMs: 100, timeoutMs: 1000 } },
  });
  const health = (): { consecutiveFailures: number; resting: boolean } => proxy.stats().upstreams[0]!.health;
  for (let i = 0; i < 100 && !health().resting; i++) await new Promise((r) => setTimeout(r, 20));
  expect(health().resting).toBe(true); // checks alone, no client traffic
  const revived = await createFaultyProxy({ port });
  cleanup.push(revived);
  for (let i = 0; i < 100 && health().resting; i++) await new Promise((r) => setTimeout(r, 20));
  expect(health()).toMatchObject({ resting: false, consecutiveFailures: 0 });
  expect(revived.counters.connects).toBeGreaterThanOrEqual(1);
  expect(await tunnel(proxy)).toBe(200);
});
