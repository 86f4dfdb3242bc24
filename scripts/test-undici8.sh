#!/usr/bin/env bash
# Runs the client suites (both backends) with undici 8 in place of the undici 7 dependency, on
# official Node binaries through scripts/node-matrix.sh: WARCWIRE_TEST_UNDICI=undici8 makes
# src/client/undici.ts, and the tests that import undici from it, load the dev dependency installed
# under the alias `undici8`. undici 8 needs Node >= 22.19; an older listed Node is skipped, saying so.
# Usage: npm run test:undici8 [-- <jest args; default: test/client test/capture test/dedupe>]
# Env: UNDICI8_NODES="22.23.3 24.21.0" to pick other Node versions.
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- test/client test/capture test/dedupe
eligible=()
for v in ${UNDICI8_NODES:-"22.23.3 24.21.0"}; do
  if [ "$(printf '%s\n' 22.19.0 "$v" | sort -V | head -1)" = 22.19.0 ]; then eligible+=("$v")
  else echo "test:undici8: Node $v skipped (undici 8 needs Node >= 22.19)"; fi
done
[ ${#eligible[@]} -gt 0 ] || { echo "test:undici8: no Node version >= 22.19 listed: nothing run"; exit 0; }
WARCWIRE_TEST_UNDICI=undici8 NODE_MATRIX="${eligible[*]}" exec bash scripts/node-matrix.sh "$@"
