/**
 * One of every proxy daemon the net tests go through, plus an http and an https origin,
 * started in beforeAll and stopped in afterAll of the calling test file.
 */
import { testCertificate } from './tls-cert';
import { stopAllDaemons } from './net-daemon';
import { startOrigin, type Origin } from './net-origin';
import { startDante, startMicrosocks, startSquid, startTinyproxy, type Credentials, type ProxyDaemon } from './net-proxies';
import { startSshSocks } from './net-ssh-socks';

export interface ProxyFleet {
  httpOrigin: Origin;
  httpsOrigin: Origin;
  /** Without credentials; only started when `plainMicrosocks` is asked for. */
  microsocks: ProxyDaemon;
  microsocksAuth: ProxyDaemon;
  dante: ProxyDaemon;
  sshSocks: ProxyDaemon;
  tinyproxy: ProxyDaemon;
  squid: ProxyDaemon & { tlsPort?: number };
  /** squid's https_port (the proxy itself reached over TLS) with the fleet's credentials. */
  squidTlsUrl(): string;
}

export interface ProxyFleetOptions {
  /** For microsocksAuth and squid. */
  credentials: Credentials;
  /** tinyproxy's own: its config parser rejects @ : / in BasicAuth passwords. */
  tinyproxyCredentials: Credentials;
  plainMicrosocks?: boolean;
  /** More set-up to run in parallel with the daemons (its daemons are stopped with them). */
  alongside?: () => Promise<void>;
}

/** Call at the top level of a test file; the fields are set once beforeAll has run. */
export function useProxyFleet(options: ProxyFleetOptions): ProxyFleet {
  const { credentials } = options;
  const fleet = {
    squidTlsUrl: () =>
      `https://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@localhost:${fleet.squid.tlsPort}`,
  } as ProxyFleet;

  beforeAll(async () => {
    // Assigned one by one so afterAll can stop whatever started even if one fails.
    await Promise.all([
      startOrigin().then((o) => (fleet.httpOrigin = o)),
      startOrigin({ tls: true }).then((o) => (fleet.httpsOrigin = o)),
      options.plainMicrosocks ? startMicrosocks().then((d) => (fleet.microsocks = d)) : undefined,
      startMicrosocks({ credentials }).then((d) => (fleet.microsocksAuth = d)),
      startDante().then((d) => (fleet.dante = d)),
      startSshSocks().then((d) => (fleet.sshSocks = d)),
      startTinyproxy({ credentials: options.tinyproxyCredentials }).then((d) => (fleet.tinyproxy = d)),
      startSquid({ credentials, tls: testCertificate() }).then((d) => (fleet.squid = d)),
      options.alongside?.(),
    ]);
  }, 90000);

  afterAll(async () => {
    await stopAllDaemons();
    await Promise.all([fleet.httpOrigin?.close(), fleet.httpsOrigin?.close()]);
  });

  return fleet;
}
