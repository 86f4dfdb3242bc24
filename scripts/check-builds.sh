#!/usr/bin/env bash
# CI check of the native build chain: builds the addon from scratch with node-gyp (binding.gyp,
# the canonical build) and with cmake-js (CMakeLists.txt), then proves both load and compute the
# same digests and compressed bytes as the committed prebuild (test/native/probe.js).
# Neither build downloads anything: headers come from the running node's prefix.
set -euo pipefail
cd "$(dirname "$0")/.."
prebuild="prebuilds/$(node -p 'process.platform + "-" + process.arch')/warcwire.glibc.node"

start=$(date +%s)
npm run --silent build:native >/tmp/warcwire-build-gyp.log 2>&1 || { cat /tmp/warcwire-build-gyp.log; exit 1; }
gyp_s=$(( $(date +%s) - start ))
start=$(date +%s)
npm run --silent build:cmake >/tmp/warcwire-build-cmake.log 2>&1 || { cat /tmp/warcwire-build-cmake.log; exit 1; }
cmake_s=$(( $(date +%s) - start ))
echo "check-builds: node-gyp ${gyp_s}s, cmake-js ${cmake_s}s"

reference=""
for addon in build/Release/warcwire.node build-cmake/Release/warcwire.node "$prebuild"; do
  [ -f "$addon" ] || { echo "check-builds: $addon is missing" >&2; exit 1; }
  result=$(node test/native/probe.js "$addon")
  printf 'check-builds: %-45s %s bytes\n' "$addon" "$(stat -c %s "$addon")"
  if [ -z "$reference" ]; then
    reference=$result
  elif [ "$result" != "$reference" ]; then
    echo "check-builds: $addon disagrees with build/Release/warcwire.node:" >&2
    echo "  $reference" >&2
    echo "  $result" >&2
    exit 1
  fi
done
echo "check-builds: all builds agree: $reference"
