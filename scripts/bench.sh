#!/usr/bin/env bash
# npm run bench: build, then measure the performance figures of issue #6 (see scripts/bench.ts); writes bench-results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
npm run --silent build
exec node dist/sandbox/bench.js "$@"
