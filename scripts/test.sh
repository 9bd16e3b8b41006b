#!/usr/bin/env bash
# What `npm test` runs: build, then vitest with any extra arguments, then one plain summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run build || exit $?
mkdir -p .tmp
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json "$@"
code=$?
# "N passed, N failed, N skipped": a closing line any CI log reader understands.
node -e '
  const fs = require("node:fs");
  try {
    const r = JSON.parse(fs.readFileSync(".tmp/vitest-results.json", "utf8"));
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
  } catch {}
' || true
exit $code
