/**
 * The suites whose outcome depends on the backend (they capture, write, read or
 * compress through it). scripts/test.sh runs every suite with the native
 * backend, then only these again with the js backend; the rest (HTTP framing,
 * networking, the forward proxy, metrics, the addon's own build and loader
 * checks, the release install) do not load a backend or pin one themselves.
 * An entry starting with `!` takes suites back out of the js run.
 */
module.exports = [
  'test/backend/',
  'test/capture/',
  'test/cli/',
  'test/client/',
  'test/crawlee/crawl.test.ts',
  'test/dedupe/',
  'test/fuzz/',
  'test/warc/',
  'test/net/client-through-proxies.test.ts',
  'test/net/dns-record.test.ts',
  'test/proxy/forward-warcclient.test.ts',
  'test/record-proxy/',
  // Real Chromium: the browser and Crawlee tell nothing more about the backend than the rest of the directory, at ~30 s a run.
  '!test/record-proxy/browser',
];
