#!/usr/bin/env bash
# What `npm test` runs: build (when the build script exists), then vitest with any extra arguments.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -f scripts/build.mjs ]; then
  npm run build || exit $?
fi
npx vitest run "$@"
exit $?
