#!/usr/bin/env bash
# npm run demo: build, then run the sandbox demo (it starts and stops every process it needs).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
npm run --silent build
exec node dist/sandbox/demo.js
