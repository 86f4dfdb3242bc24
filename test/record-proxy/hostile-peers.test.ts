/**
 * The recording proxy against hostile or careless peers and embedders: a
 * browser that opens a tunnel and then says nothing, reloads with garbage,
 * settings of the wrong type passed from JavaScript.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingProxy, RecordingProxyError, type RecordingProxy, type RecordingProxySettings } from '../../src/record-proxy';
import { openTunnel } from '../helpers/proxy-clients';
import { request, waitFor } from '../helpers/record-proxy';

jest.setTimeout(30_000);

let root: string;
const proxies: RecordingProxy[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warcwire-recproxy-hostile-'));
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  rmSync(root, { recursive: true, force: true });
});

const baseSettings = (): RecordingProxySettings => ({ listen: '127.0.0.1:0', ca: { dir: join(root, 'ca') }, client: { writer: { directory: join(root, 'warcs') } } });

async function start(extra: Partial<RecordingProxySettings> = {}): Promise<RecordingProxy> {
  const proxy = await createRecordingProxy({ ...baseSettings(), ...extra });
  proxies.push(proxy);
  return proxy;
}

test('a CONNECT followed by silence (no ClientHello, no request) is closed within idleTimeoutMs and frees its client slot', async () => {
  const proxy = await start({ limits: { idleTimeoutMs: 500 } });
  for (const target of ['localhost:443', '127.0.0.1:443']) {
    const tunnel = await openTunnel(proxy.port, target);
    expect(tunnel.status).toBe(200);
    const closed = await new Promise<boolean>((resolve) => {
      tunnel.socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3000).unref();
    });
    tunnel.socket.destroy();
    expect(closed).toBe(true);
  }
  await waitFor(() => proxy.stats().clients.active === 0 && proxy.stats().tunnels.open === 0);
  expect(proxy.stats().tunnels.failedHandshakes).toBe(2);
});

test('reload() with input that is not an object, or with unknown keys, is refused and auth stays on', async () => {
  const proxy = await start({ auth: { users: [{ username: 'u', password: 'secret' }] } });
  const garbage: unknown[] = [42, 'auth', null, [], true, { users: [{ username: 'u', password: 'x' }] }, { auth: { users: [{ username: 'v', password: 'w' }] }, limit: {} }];
  for (const input of garbage) {
    const result = proxy.reload(input as Parameters<RecordingProxy['reload']>[0]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(RecordingProxyError);
    expect(!result.ok && result.error.code).toBe('ERR_RECORD_PROXY_CONFIG');
    // Still guarded: the stats endpoint wants credentials.
    expect((await request(`${proxy.url}/stats`)).status).toBe(401);
  }
});

test('a logger or metrics registry of the wrong shape is a typed error naming the field, not a TypeError', async () => {
  const cases: Array<[Partial<Record<keyof RecordingProxySettings, unknown>>, string]> = [
    [{ logger: 'console' }, 'logger'],
    [{ logger: {} }, 'logger'],
    [{ logger: { info: () => undefined } }, 'logger'],
    [{ metrics: 'prom' }, 'metrics'],
    [{ metrics: { counter: () => undefined } }, 'metrics'],
  ];
  for (const [extra, field] of cases) {
    const started = createRecordingProxy({ ...baseSettings(), ...extra } as RecordingProxySettings);
    await expect(started).rejects.toBeInstanceOf(RecordingProxyError);
    await expect(started).rejects.toMatchObject({ code: 'ERR_RECORD_PROXY_CONFIG', field });
  }
});
