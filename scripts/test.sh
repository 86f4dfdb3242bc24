#!/usr/bin/env bash
# The whole test suite with the native backend, then the suites that depend on
# the backend (listed in test/backend-suites.js) again with the pure-JS one.
# Arguments go to jest (paths, -t …) for both runs.
# Prints one closing line "tests: N passed, N failed" over both runs.
set -u
cd "$(dirname "$0")/.."
npm run --silent build || exit 1
out=$(mktemp -d)
status=0

echo "=== test suite with WARCWIRE_BACKEND=native"
WARCWIRE_BACKEND=native npx jest --json --outputFile="$out/native.json" "$@" || status=1

# The suites the same arguments pick, narrowed to the backend-dependent ones.
mapfile -t files < <(npx jest --listTests "$@" | node -e '
  const path = require("path");
  const entries = require("./test/backend-suites.js");
  const prefixes = entries.filter((e) => !e.startsWith("!")).map((p) => path.resolve(p));
  const excluded = entries.filter((e) => e.startsWith("!")).map((p) => path.resolve(p.slice(1)));
  const all = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
  const picked = (f) => prefixes.some((p) => f.startsWith(p)) && !excluded.some((p) => f.startsWith(p));
  for (const f of all.filter(picked).sort()) console.log(f);')
echo "=== backend-dependent suites (${#files[@]}) with WARCWIRE_BACKEND=js"
if [ ${#files[@]} -gt 0 ]; then
  WARCWIRE_BACKEND=js npx jest --json --outputFile="$out/js.json" --runTestsByPath "${files[@]}" || status=1
fi

node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const b of ["native", "js"]) {
    const file = process.argv[1] + "/" + b + ".json";
    if (b === "js" && process.argv[2] === "0") continue;
    try { const r = JSON.parse(fs.readFileSync(file, "utf8"));
      p += r.numPassedTests; f += r.numFailedTests + r.numRuntimeErrorTestSuites; s += r.numPendingTests + r.numTodoTests;
    } catch { f += 1; }
  }
  console.log(`tests: ${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
' "$out" "${#files[@]}"
rm -rf "$out"
exit $status
