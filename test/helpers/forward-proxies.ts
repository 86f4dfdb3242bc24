import { createForwardProxy, type ForwardProxy } from '../../src/proxy/forward/forward-proxy';
import type { ForwardProxyConfigInput } from '../../src/proxy/forward/config';

/**
 * For a test file: a function that starts a forward proxy on a free loopback
 * port (config merged over that); every proxy it started is closed after each test.
 */
export function forwardProxiesPerTest(): (config?: ForwardProxyConfigInput) => Promise<ForwardProxy> {
  const proxies: ForwardProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  return async (config = {}) => {
    const proxy = await createForwardProxy({ listen: '127.0.0.1:0', ...config });
    proxies.push(proxy);
    return proxy;
  };
}
