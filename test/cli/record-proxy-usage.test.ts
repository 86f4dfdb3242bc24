/**
 * `warcwire record-proxy` refuses what it cannot honour before it listens:
 * usage mistakes exit 2 with a message naming the flag, and a non-loopback
 * address without auth is refused with a message naming --unsafe-open-relay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-child';
import { startRecordProxyCli } from '../helpers/record-proxy-cli';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warcwire-record-proxy-usage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const base = (): string[] => ['-o', join(dir, 'warcs'), '--ca-dir', join(dir, 'ca')];

test.each([
  [['--listen', 'localhost'], /--listen must be HOST:PORT, \[IPv6\]:PORT or PORT \(port 0-65535\), got "localhost"/],
  [['--listen', '127.0.0.1:99999'], /--listen must be HOST:PORT.*got "127.0.0.1:99999"/],
  [['--ca-cert', 'ca.pem'], /--ca-cert needs --ca-key: a CA of your own is given as its certificate and its private key/],
  [['--ca-key', 'ca-key.pem'], /--ca-key needs --ca-cert/],
  [['--level', 'high'], /--level must be an integer, got "high"/],
  [['--level', '99'], /--level must be an integer 0-9 for gzip, got 99/],
  [['--compression', 'zstd', '--level', '0'], /--level must be an integer 1-22 for zstd, got 0/],
  [['--progress', '0'], /--progress must be a number of seconds > 0/],
  [['--compression', 'bzip2'], /--compression must be gzip, zstd or none/],
  [['some-operand'], /expected no operands/],
  [['--max-cached-leaves', '0'], /--max-cached-leaves must be a positive integer, got "0"/],
  [['--max-prefixes', 'many'], /--max-prefixes must be a positive integer, got "many"/],
  // capture's per-request proxy type: here no request would ask for it, and a typed pool would be passed by.
  [['--proxy', 'socks5h://127.0.0.1:1080', '--proxy-type', 'mobile'], /Unknown option '--proxy-type'/],
])('%j is a usage error: exit 2 and a message naming the flag', async (args, message) => {
  const run = await runCli(['record-proxy', ...base(), ...args]);
  expect(run.code).toBe(2);
  expect(run.err).toMatch(message);
});

test('--ca-dir with --ca-cert/--ca-key is a usage error', async () => {
  const run = await runCli(['record-proxy', ...base(), '--ca-cert', 'c.pem', '--ca-key', 'k.pem']);
  expect(run.code).toBe(2);
  expect(run.err).toContain('--ca-dir cannot be combined with --ca-cert/--ca-key');
});

test('a non-loopback --listen without auth is refused, naming --unsafe-open-relay; with the flag it starts', async () => {
  const refused = await runCli(['record-proxy', ...base(), '--listen', '0.0.0.0:0']);
  expect(refused.code).toBe(2);
  expect(refused.err).toMatch(/^warcwire record-proxy: --listen 0\.0\.0\.0 without auth would let anyone .*; set auth in --config, listen on 127\.0\.0\.1, or pass --unsafe-open-relay /);
  expect(refused.err).toContain('--unsafe-open-relay');
  expect(refused.err).not.toContain('unsafeOpenRelay');

  const open = startRecordProxyCli([...base(), '--listen', '0.0.0.0:0', '--unsafe-open-relay']);
  try {
    expect((await open.banner).url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    open.child.kill('SIGINT');
    expect((await open.exit).code).toBe(0);
  } finally {
    open.child.kill('SIGKILL');
  }
});

test('--help explains the proxy, the CA and the risky flag', async () => {
  const run = await runCli(['record-proxy', '--help']);
  expect(run.code).toBe(0);
  const help = run.out.toString();
  for (const flag of ['--listen', '--ca-dir', '--ca-cert', '--ca-key', '--config', '--unsafe-open-relay', '--insecure', '--dedupe', '--proxy URL', '--metrics-port']) {
    expect(help).toContain(flag);
  }
  expect(help).toContain('--ignore-certificate-errors-spki-list');
});

test('an address already in use is a runtime failure: exit 1 naming the address', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const { port } = taken.address() as AddressInfo;
  try {
    const run = await runCli(['record-proxy', ...base(), '--listen', `127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  } finally {
    taken.close();
  }
});
