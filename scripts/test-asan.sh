#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer (g++ -fsanitize=address, cmake-js into
# build-asan/, so build/Release is untouched) and runs the backend and WARC suites, plus the fuzz
# regression corpus when there is one, with that addon loaded (WARCWIRE_ADDON) on the native
# backend. node itself is not instrumented, so libasan is preloaded into it. Extra arguments go
# to jest (e.g. a test path to run only that).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# `compile`: incremental when build-asan/ is already there (a full build takes minutes).
npm_config_nodedir="$(node -p "require('path').resolve(process.execPath, '..', '..')")" \
  npx cmake-js compile --out build-asan --cc gcc --cxx g++ --parallel "$(nproc)" --CDWARCWIRE_SANITIZE=address \
  >/tmp/warcwire-build-asan.log 2>&1 ||
  { cat /tmp/warcwire-build-asan.log; exit 1; }
addon="$PWD/build-asan/Release/warcwire.node"
# Not `grep -q`: it would stop reading, and ldd's SIGPIPE fails the pipeline under pipefail.
ldd "$addon" | grep libasan >/dev/null || { echo "test:asan: $addon is not linked with libasan" >&2; exit 1; }
npm run --silent build

# WARCWIRE_SANITIZER: resident-memory bounds in the tests measure ASan here, not us (test/helpers/backend-tools.ts).
export WARCWIRE_BACKEND=native WARCWIRE_ADDON="$addon" WARCWIRE_SANITIZER=address
export LD_PRELOAD="$(g++ -print-file-name=libasan.so)"
# Leaks: node's own allocations at exit are not ours. Any error report ends the process (exit 1).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1"
loaded=$(node -e 'const b = require("./dist/backend"); b.loadBackend(); console.log(require("./dist/backend/native").nativeAddonPath())')
[ "$loaded" = "$addon" ] || { echo "test:asan: the backend loaded $loaded, not $addon" >&2; exit 1; }
echo "test:asan: addon built in $(( $(date +%s) - start ))s: $addon"

suites=(test/backend test/warc)
if [ -d fuzz/corpus ] && [ -f test/fuzz/corpus.test.ts ]; then suites+=(test/fuzz/corpus.test.ts); fi
if [ $# -gt 0 ]; then suites=("$@"); fi
npx jest "${suites[@]}"
echo "test:asan: passed in $(( $(date +%s) - start ))s"
