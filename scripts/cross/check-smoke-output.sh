#!/usr/bin/env bash
# Checks what backend-smoke.js wrote, with independent decoders on the host:
# gzip members and the record file with the gzip CLI, zstd frames with the zstd CLI.
# Usage: scripts/cross/check-smoke-output.sh <outDir>
set -euo pipefail
dir=$1
fail() { echo "check-smoke-output: $*" >&2; exit 1; }
[ -s "$dir/summary.json" ] || fail "no summary.json in $dir (the smoke did not finish)"
gzip -t "$dir/members.gz" || fail "gzip -t rejects members.gz"
cmp -s <(gzip -dc "$dir/members.gz") "$dir/expected-members" || fail "gzip -dc members.gz differs from the input"
gzip -t "$dir/records.warc.gz" || fail "gzip -t rejects records.warc.gz"
cmp -s <(gzip -dc "$dir/records.warc.gz") "$dir/expected-records" || fail "gzip -dc records.warc.gz differs from the records"
if [ -e "$dir/frames.zst" ]; then
  zstd -q -t "$dir/frames.zst" || fail "zstd -t rejects frames.zst"
  cmp -s <(zstd -q -dc "$dir/frames.zst") "$dir/expected-members" || fail "zstd -dc frames.zst differs from the input"
  # Each frame must carry its content size (zstd -lv prints "Decompressed Size" per file).
  zstd -lv "$dir/frames.zst" 2>&1 | grep -q 'Check: XXH64' || fail "zstd frames carry no checksum"
fi
echo "check-smoke-output: ok ($(cat "$dir/summary.json"))"
