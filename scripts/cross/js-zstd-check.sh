#!/usr/bin/env bash
# With the `node` on PATH (>= 22.15): the js backend must have zstd through node:zlib, and its
# frames, gzip members and record file must pass the host's zstd and gzip CLIs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pkg=$("$root/scripts/cross/stage-package.sh" "$root/.cache/cross/pkg-js-$(node -v)")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "js-zstd-check: node $(node -v)"
WARCWIRE_BACKEND=js SMOKE_REQUIRE_ZSTD=1 node "$root/scripts/cross/backend-smoke.js" "$pkg" "$out" >/dev/null
"$root/scripts/cross/check-smoke-output.sh" "$out"
