#!/usr/bin/env bash
# The whole test suite, once per backend (native addon, then pure JS).
# Prints one closing line "N passed, N failed" over both runs.
set -u
cd "$(dirname "$0")/.."
npm run --silent build || exit 1
out=$(mktemp -d)
status=0
for backend in native js; do
  echo "=== test suite with WARCWIRE_BACKEND=$backend"
  WARCWIRE_BACKEND=$backend npx jest --json --outputFile="$out/$backend.json" "$@" || status=1
done
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const b of ["native", "js"]) {
    try { const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + b + ".json", "utf8"));
      p += r.numPassedTests; f += r.numFailedTests + r.numRuntimeErrorTestSuites; s += r.numPendingTests + r.numTodoTests;
    } catch { f += 1; }
  }
  console.log(`tests: ${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
' "$out"
rm -rf "$out"
exit $status
