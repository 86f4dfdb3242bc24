#!/usr/bin/env bash
# Real web pages for compression tests and the bench: the HTML of Debian's
# nodejs-doc package, unpacked into .cache/html-corpus (not installed: on
# machines whose Node.js comes from another .deb, installing nodejs-doc
# makes apt remove that nodejs). Prints the folder of the pages.
# Needs apt's package lists (`apt-get update`), not root.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/html-corpus
pages="$dest/usr/share/doc/nodejs/api"
if ! ls "$pages"/*.html >/dev/null 2>&1; then
  work=$(mktemp -d)
  chmod 755 "$work" # apt downloads as _apt when it can
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -qq nodejs-doc >/dev/null)
  rm -rf "$dest"
  mkdir -p "$dest"
  dpkg-deb -x "$work"/nodejs-doc_*.deb "$dest"
  dpkg-deb -f "$work"/nodejs-doc_*.deb Version >"$dest/VERSION"
fi
echo "$(pwd)/$pages"
