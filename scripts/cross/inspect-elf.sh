#!/usr/bin/env bash
# Checks a Linux .node file's dynamic dependencies with readelf (works for any ELF machine):
#  - NEEDED libraries are only libc / libm / libstdc++ / libgcc_s / ld-linux (no libzstd, libssl, libz)
#  - every undefined symbol without a version is one the Node binary exports (N-API, zlib, OpenSSL)
#  - prints the machine and the highest GLIBC_ / GLIBCXX_ symbol versions required.
# Usage: scripts/cross/inspect-elf.sh <addon.node> [<node binary exporting the symbols>]
set -euo pipefail
addon=$1
node_bin=${2:-$(command -v node)}
fail() { echo "inspect-elf: $*" >&2; exit 1; }
machine=$(readelf -h "$addon" | sed -n 's/^ *Machine: *//p')
needed=$(readelf -d "$addon" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort)
for lib in $needed; do
  case "$lib" in
    libc.so.*|libm.so.*|libstdc++.so.*|libgcc_s.so.*|ld-linux*|libpthread.so.*|libdl.so.*) ;;
    *) fail "$addon needs $lib (only libc, libm, libstdc++, libgcc_s are allowed)" ;;
  esac
done
# Undefined dynamic symbols: "name@VERSION" come from system libraries, bare names from node.
undef=$(readelf --dyn-syms -W "$addon" | awk '$7 == "UND" && $8 != "" {print $8}' | sort -u)
exported=$(readelf --dyn-syms -W "$node_bin" | awk '$7 != "UND" && $8 != "" {sub(/@.*/, "", $8); print $8}' | sort -u)
missing=$(comm -23 <(printf '%s\n' "$undef" | grep -v '@' | sed '/^$/d') <(printf '%s\n' "$exported"))
weak_ok=$(readelf --dyn-syms -W "$addon" | awk '$7 == "UND" && $5 == "WEAK" {print $8}' | sort -u)
missing=$(comm -23 <(printf '%s\n' "$missing" | sed '/^$/d') <(printf '%s\n' "$weak_ok" | sed '/^$/d'))
[ -z "$missing" ] || fail "$addon needs symbols that $node_bin does not export: $(echo $missing)"
from_node=$(printf '%s\n' "$undef" | grep -vc '@' || true)
glibc=$(printf '%s\n' "$undef" | { grep -o '@GLIBC_[0-9.]*' || true; } | sed 's/@GLIBC_//' | sort -V | tail -1 || true)
glibcxx=$(printf '%s\n' "$undef" | { grep -o '@GLIBCXX_[0-9.]*' || true; } | sed 's/@GLIBCXX_//' | sort -V | tail -1 || true)
echo "inspect-elf: $(basename "$addon"): machine=$machine; needs: $(echo $needed); $from_node symbols from node (all exported by $(basename "$node_bin")); max GLIBC_${glibc:-none}; max GLIBCXX_${glibcxx:-none}"
