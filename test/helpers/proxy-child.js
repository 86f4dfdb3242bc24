// A forward proxy in its own `node` process, for tests that hold thousands of
// sockets or measure the proxy's memory: `node --expose-gc proxy-child.js CONFIG_JSON`.
// Plain JS on the compiled package (dist/, built before the tests run), so the
// process holds the proxy and nothing else: no TypeScript compiler in the heap
// being measured. Prints {"port":N} once listening, then answers each stdin
// line with one JSON line: `stats` -> the stats snapshot, `memory` ->
// process.memoryUsage() after a full GC. Closes the proxy and exits when stdin ends.
'use strict';
const readline = require('node:readline');
const { createForwardProxy } = require('../../dist/proxy/forward/forward-proxy.js');

const send = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

createForwardProxy(JSON.parse(process.argv[2])).then((proxy) => {
  send({ port: proxy.port });
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'stats') return send(proxy.stats());
    if (line === 'memory') {
      if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
      global.gc();
      return send(process.memoryUsage());
    }
    throw new Error(`unknown command ${line}`);
  });
  process.stdin.once('end', () => proxy.close().then(() => process.exit(0)));
});
