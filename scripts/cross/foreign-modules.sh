#!/usr/bin/env bash
# The repository's node_modules holds native dev-dependency bindings for linux-x64 only. To run
# jest with a foreign node (arm64 under qemu), the matching binding of jest 30's
# resolver (unrs-resolver; jest 29 has none) is fetched with `npm pack` (no scripts run) into
# .cache/foreign-modules/<target>/node_modules, and used through NODE_PATH, which Node consults
# after the normal node_modules lookup fails. The shared node_modules is left untouched.
# Usage: scripts/cross/foreign-modules.sh linux-arm64   (prints the NODE_PATH dir)
set -euo pipefail
target=$1
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "$target" in
  linux-arm64) suffix=linux-arm64-gnu ;;
  *) echo "foreign-modules: unknown target $target" >&2; exit 2 ;;
esac
dest="$root/.cache/foreign-modules/$target/node_modules"
mkdir -p "$dest"
# jest 29's resolver is plain JS: without unrs-resolver (jest 30's) there is nothing to fetch.
[ -e "$root/node_modules/unrs-resolver/package.json" ] || { echo "$dest"; exit 0; }
version=$(node -p "require('$root/node_modules/unrs-resolver/package.json').version")
name="@unrs/resolver-binding-$suffix"
if [ ! -e "$dest/$name/package.json" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent --ignore-scripts "$name@$version" >/dev/null) \
    || { echo "foreign-modules: npm pack $name@$version failed" >&2; exit 1; }
  mkdir -p "$dest/$name"
  tar -xzf "$tmp"/*.tgz -C "$dest/$name" --strip-components=1
fi
echo "$dest"
