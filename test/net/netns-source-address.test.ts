import { createNetNamespace, netnsUnavailableReason, type NetNamespace } from '../helpers/net-netns';

// Everything here runs inside a network namespace of its own: a veth
// pair with documentation prefixes, nothing reaches the host's network.
const unavailable = netnsUnavailableReason();
if (unavailable) {
  // eslint-disable-next-line no-console
  console.warn(`netns tests cannot run here: ${unavailable}`);
}
const describeNetns = unavailable ? describe.skip : describe;

let ns: NetNamespace;

beforeAll(() => {
  if (unavailable) return;
  ns = createNetNamespace();
  // A veth pair inside the namespace stands in for a NIC (this kernel has no dummy driver).
  ns.ip('link', 'add', 'nic0', 'type', 'veth', 'peer', 'name', 'nic1');
  ns.ip('link', 'set', 'nic0', 'up');
  ns.ip('link', 'set', 'nic1', 'up');
  ns.ip('-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'nic0', 'nodad');
  // AnyIP: every address of the /64 is local, so it can be bound without being configured.
  ns.ip('-6', 'route', 'add', 'local', '2001:db8:1::/64', 'dev', 'lo');
  ns.exec('sysctl', '-qw', 'net.ipv6.ip_nonlocal_bind=1'); // IPv6 bind() to an unassigned address
  ns.ip('addr', 'add', '10.99.0.1/24', 'dev', 'nic0');
  ns.ip('addr', 'add', '10.99.0.2/24', 'dev', 'nic0');
  // Addresses of 2001:db8:2::/64 sit behind nic0, where nobody answers: connects stall.
  ns.ip('-6', 'route', 'add', '2001:db8:2::/64', 'dev', 'nic0');
});

afterAll(() => {
  ns?.destroy();
});

const server = `
  const http = require('node:http');
  const seen = [];
  const server = http.createServer((req, res) => { seen.push(req.socket.remoteAddress); res.end('ok'); });
  await new Promise((r) => server.listen(0, '::', r));
  const port = server.address().port;
  const get = (socket) => new Promise((resolve, reject) => {
    const req = http.request({ createConnection: () => socket, path: '/', headers: { connection: 'close' } });
    req.on('error', reject);
    req.on('response', (res) => { res.resume(); res.on('end', resolve); });
    req.end();
  });
`;

describeNetns('source addresses in a network namespace', () => {
  it('ipv6AnyIP: successive connections leave from different addresses of the /64', async () => {
    const sources = await ns.run<string[]>(`
      ${server}
      const { Dialer } = src('net/dialer.ts');
      const dialer = new Dialer({ ipv6AnyIP: true });
      for (let i = 0; i < 6; i++) {
        const result = await dialer.dial({ protocol: 'http:', hostname: '2001:db8:1::1', port });
        await get(result.socket);
      }
      server.close();
      return seen;
    `);
    expect(sources).toHaveLength(6);
    for (const source of sources) expect(source).toMatch(/^2001:db8:1:0:/);
    expect(new Set(sources).size).toBe(6);
    expect(sources).not.toContain('2001:db8:1::1');
  });

  it('randomLocalIp picks among the global addresses (loopback skipped)', async () => {
    const sources = await ns.run<string[]>(`
      ${server}
      const { Dialer } = src('net/dialer.ts');
      const dialer = new Dialer({ randomLocalIp: true, dns: { ipv6: false } });
      for (let i = 0; i < 24; i++) {
        const result = await dialer.dial({ protocol: 'http:', hostname: '127.0.0.1', port });
        await get(result.socket);
      }
      server.close();
      return seen;
    `);
    const unique = new Set(sources.map((s) => s.replace(/^::ffff:/, '')));
    expect(unique).toEqual(new Set(['10.99.0.1', '10.99.0.2']));
  });

  it('localAddresses round robin over IPv6 addresses of the prefix', async () => {
    const sources = await ns.run<string[]>(`
      ${server}
      const { Dialer } = src('net/dialer.ts');
      const dialer = new Dialer({ localAddresses: ['2001:db8:1::a', '2001:db8:1::b'] });
      for (let i = 0; i < 4; i++) {
        const result = await dialer.dial({ protocol: 'http:', hostname: '2001:db8:1::1', port });
        await get(result.socket);
      }
      server.close();
      return seen;
    `);
    expect(sources).toEqual(['2001:db8:1::a', '2001:db8:1::b', '2001:db8:1::a', '2001:db8:1::b']);
  });

  it('Happy Eyeballs starts IPv4 250 ms after an IPv6 attempt that stalls', async () => {
    const outcome = await ns.run<{ remote: string; elapsed: number }>(`
      const net = require('node:net');
      const v4 = net.createServer((s) => s.destroy());
      await new Promise((r) => v4.listen(0, '127.0.0.1', r));
      const { connectHappyEyeballs } = src('net/happy-eyeballs.ts');
      const started = Date.now();
      const socket = await connectHappyEyeballs({ port: v4.address().port, ipv6: ['2001:db8:2::5'], ipv4: ['127.0.0.1'], timeout: 5000 });
      const elapsed = Date.now() - started;
      const remote = socket.remoteAddress;
      socket.destroy();
      v4.close();
      return { remote, elapsed };
    `);
    expect(outcome.remote).toBe('127.0.0.1');
    expect(outcome.elapsed).toBeGreaterThanOrEqual(245);
    expect(outcome.elapsed).toBeLessThan(2000);
  });
});
