#!/usr/bin/env bash
# Makes .cache/cross/pkg/: a package root for running the backend with a foreign node (arm64
# under qemu, node.exe under wine) — dist/ compiled from src/backend only (so it does not wait
# on the rest of the tree), package.json, prebuilds/ and node_modules linked from the repository,
# and no build/ directory, so node-gyp-build can only pick a prebuild.
# STAGE_DIST=repo links the repository's whole dist/ instead (built if missing).
# Usage: scripts/cross/stage-package.sh [dir]   (default .cache/cross/pkg); prints the directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pkg=${1:-"$root/.cache/cross/pkg"}
rm -rf "$pkg"
mkdir -p "$pkg"
if [ "${STAGE_DIST:-}" = repo ]; then
  # The whole library (for a capture through WarcClient): the repository's dist/, built first.
  [ -f "$root/dist/index.js" ] || (cd "$root" && npm run --silent build) >&2
  # A copy, not a link: node resolves symlinks, and dist/ must sit in this root (no build/).
  cp -r "$root/dist" "$pkg/dist"
else
  "$root/node_modules/.bin/tsc" --outDir "$pkg/dist" --rootDir "$root/src" --target ES2022 --module commonjs \
    --moduleResolution node --strict --esModuleInterop --skipLibCheck --types node \
    "$root/src/backend/index.ts" "$root/src/backend/native.ts" >&2
fi
cp "$root/package.json" "$pkg/"
ln -s "$root/prebuilds" "$pkg/prebuilds"
ln -s "$root/node_modules" "$pkg/node_modules"
echo "$pkg"
